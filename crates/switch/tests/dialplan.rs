//! The dial plan over a real store (SQLite): what a dialled string and a
//! carrier's number reach, with forwarding and ring groups read from the
//! account's settings.

use std::time::Duration;

use domain::{
    AccountStatus, CompanyName, DeviceModel, Dialled, E164, EmailAddress, ExtensionNumber,
    ForwardingSettings, Language, NewAccount, NewDevice, Password, PasswordHash, RingStrategy,
    SipPassword, SipUsername, TimeZone, UnixMillis,
};
use storage::{NewUser, Store, UserSettings};
use switch::dialplan::{Dialplan, ForwardTo, Target};
use switch::directory::DeviceCredentials;

fn e164(s: &str) -> E164 {
    E164::parse(s).unwrap()
}

struct Office {
    store: Store,
    plan: Dialplan,
    account: domain::AccountId,
    caller: DeviceCredentials,
    _dir: tempfile::TempDir,
}

/// Account +33199000200 with users 201 (+33199000201) and 202
/// (+33199000202, one device), group 600 (201 then 202, 4 s each) and
/// 201 forwarding to 202's number.
async fn office() -> Office {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&format!("sqlite://{}/t.db", dir.path().display()))
        .await
        .unwrap();
    let password = PasswordHash::of(&Password::parse("password123").unwrap());
    let account = store
        .create_account(
            &NewAccount {
                company: CompanyName::parse("Acme").unwrap(),
                main_number: e164("+33199000200"),
                address: "1 rue de la Paix".into(),
                admin_email: EmailAddress::parse("admin@example.fr").unwrap(),
                admin_password: password.clone(),
                language: Language::En,
                time_zone: TimeZone::default(),
            },
            UnixMillis::from_millis(0),
        )
        .await
        .unwrap()
        .id;
    store
        .add_pool_numbers(&[e164("+33199000201"), e164("+33199000202")])
        .await
        .unwrap();
    let scope = store.account(account);
    let mut users = Vec::new();
    for n in ["201", "202"] {
        users.push(
            scope
                .create_user(&NewUser {
                    extension: ExtensionNumber::parse(n).unwrap(),
                    name: format!("User {n}"),
                    email: EmailAddress::parse(&format!("u{n}@example.fr")).unwrap(),
                    password: password.clone(),
                    direct_number: Some(e164(&format!("+33199000{n}"))),
                })
                .await
                .unwrap(),
        );
    }
    let device = scope
        .create_device(
            &NewDevice {
                mac: None,
                model: DeviceModel("Softphone".into()),
                label: "202's phone".into(),
                sip_username: SipUsername::parse("dev202").unwrap(),
                sip_password: SipPassword::parse("sippass202").unwrap(),
                user: Some(users[1].id),
            },
            "switchboard",
        )
        .await
        .unwrap();
    scope
        .create_ring_group(
            &ExtensionNumber::parse("600").unwrap(),
            "Sales",
            RingStrategy::Sequential,
            4,
            &[users[0].extension, users[1].extension],
        )
        .await
        .unwrap();
    scope
        .update_user_settings(
            users[0].id,
            &UserSettings {
                voicemail: users[0].voicemail.clone(),
                forwarding: ForwardingSettings::new(true, Some(e164("+33199000202")), false, true)
                    .unwrap(),
                caller_id: None,
            },
        )
        .await
        .unwrap();
    let caller = DeviceCredentials {
        device: device.id,
        account,
        user: Some(users[1].id),
        username: SipUsername::parse("dev202").unwrap(),
        realm: "switchboard".into(),
        ha1_md5: String::new(),
        ha1_sha256: String::new(),
        suspended: false,
    };
    Office {
        plan: Dialplan::new(store.clone(), Duration::from_secs(5)),
        store,
        account,
        caller,
        _dir: dir,
    }
}

#[tokio::test]
async fn a_user_forwarding_to_a_colleagues_number_rings_the_colleague() {
    let o = office().await;
    let r = o.plan.resolve(&o.caller, "201").await.unwrap();
    let Target::Devices { forward, .. } = &*r.target else {
        panic!("{:?}", r.target)
    };
    let forward = forward.as_ref().expect("201 forwards");
    let ForwardTo::Devices { party, devices } = &forward.to else {
        panic!("{forward:?}")
    };
    assert_eq!(party.number, "202");
    assert_eq!(devices.len(), 1);
    assert!(forward.key_press && !forward.simultaneous);
    assert_eq!(forward.by, Some(e164("+33199000201")), "201's own number");
    assert_eq!(forward.language, Language::En);
    // The caller is shown outside with their number's caller ID: the main
    // number, as 202 chose none.
    assert_eq!(r.caller.public, Some(e164("+33199000200")));
}

#[tokio::test]
async fn a_ring_group_lists_its_members_in_order_with_their_phones() {
    let o = office().await;
    let r = o.plan.resolve(&o.caller, "600").await.unwrap();
    let Target::Group {
        strategy,
        ring,
        members,
        ..
    } = &*r.target
    else {
        panic!("{:?}", r.target)
    };
    assert_eq!(*strategy, RingStrategy::Sequential);
    assert_eq!(*ring, Duration::from_secs(4));
    let numbers: Vec<(&str, usize)> = members
        .iter()
        .map(|m| (m.party.number.as_str(), m.devices.len()))
        .collect();
    assert_eq!(numbers, [("201", 0), ("202", 1)]);
}

#[tokio::test]
async fn public_and_emergency_numbers_go_to_the_carriers() {
    let o = office().await;
    for (dialled, expected) in [
        ("0612345678", Dialled::Public(e164("+33612345678"))),
        ("0044207946000", Dialled::Public(e164("+44207946000"))),
        ("112", Dialled::Emergency("112")),
    ] {
        let r = o.plan.resolve(&o.caller, dialled).await.unwrap();
        match &*r.target {
            Target::Public { dialled, .. } => assert_eq!(*dialled, expected),
            other => panic!("{other:?}"),
        }
    }
    let r = o.plan.resolve(&o.caller, "299").await.unwrap();
    assert_eq!(*r.target, Target::Unknown);
}

#[tokio::test]
async fn a_carriers_call_finds_the_account_and_target_of_the_number() {
    let o = office().await;
    let found = o
        .plan
        .resolve_inbound(&e164("+33199000202"))
        .await
        .unwrap()
        .expect("the account holds the number");
    assert_eq!(found.account, o.account);
    assert!(
        matches!(&*found.target, Target::Devices { party, .. } if party.number == "202"),
        "{:?}",
        found.target
    );
    let none = o.plan.resolve_inbound(&e164("+33199009999")).await.unwrap();
    assert!(none.is_none(), "a number nobody holds");
    // A suspended account's numbers answer nothing.
    o.store
        .account(o.account)
        .set_status(AccountStatus::Suspended)
        .await
        .unwrap();
    let plan = Dialplan::new(o.store.clone(), Duration::from_secs(5));
    assert!(
        plan.resolve_inbound(&e164("+33199000202"))
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn the_mailbox_codes_reach_the_callers_own_mailbox_or_an_extensions() {
    let o = office().await;
    let own = o.plan.resolve(&o.caller, "*97").await.unwrap();
    let Target::Mailbox(mailbox) = &*own.target else {
        panic!("{:?}", own.target)
    };
    assert_eq!(mailbox.extension.as_str(), "202", "dev202 is 202's phone");
    assert_eq!(mailbox.account, o.account);
    assert_eq!(mailbox.language, Language::En, "the account's language");
    assert!(mailbox.enabled);
    let other = o.plan.resolve(&o.caller, "*98201").await.unwrap();
    assert!(
        matches!(&*other.target, Target::Mailbox(m) if m.extension.as_str() == "201"),
        "{:?}",
        other.target
    );
    for nobody in ["*98999", "*98", "*98abc"] {
        let r = o.plan.resolve(&o.caller, nobody).await.unwrap();
        assert!(
            matches!(&*r.target, Target::Unknown),
            "{nobody}: {:?}",
            r.target
        );
    }
    // A user's own number carries their mailbox for unanswered calls.
    let r = o.plan.resolve(&o.caller, "201").await.unwrap();
    assert!(
        matches!(&*r.target, Target::Devices { voicemail: Some(m), .. } if m.extension.as_str() == "201"),
        "{:?}",
        r.target
    );
    // The codes are never cached: they depend on who dials.
    assert!(
        o.plan
            .cached(&o.caller, "*97", std::time::Instant::now())
            .is_none()
    );
}
