//! The demo company created on the first start of an empty installation, so
//! a newcomer can sign in and register a softphone at once. Its secrets are
//! printed once, then only their hashes remain.

use std::fmt::Write as _;

use anyhow::Context as _;
use domain::{
    CompanyName, DeviceModel, E164, EmailAddress, Language, NewAccount, NewDevice, Password,
    PasswordHash, RingStrategy, SipPassword, SipUsername, TimeZone, UnixMillis,
};
use storage::{NewUser, Store};

use crate::config::Config;
use crate::secrets::random_password;

/// Main number of the demo company: +33 1 99 00 01 00 lies in the range
/// ARCEP reserves for fiction (01 99 00 xx xx), so it never rings anyone.
pub const MAIN_NUMBER: &str = "+33199000100";

const PEOPLE: [(&str, &str, &str); 3] = [
    ("101", "Camille Martin", "camille.martin"),
    ("102", "Louis Bernard", "louis.bernard"),
    ("103", "Léa Dubois", "lea.dubois"),
];

/// Creates the demo company if the installation has no account, and returns
/// the text to print (sign-in and SIP credentials), or `None` if there was
/// nothing to do.
pub async fn seed_if_empty(
    store: &Store,
    config: &Config,
    now: UnixMillis,
) -> anyhow::Result<Option<String>> {
    if store.account_count().await? > 0 {
        return Ok(None);
    }
    let admin_password = random_password(12);
    let main = E164::parse(MAIN_NUMBER).expect("demo main number parses");
    let account = store
        .create_account(
            &NewAccount {
                company: CompanyName::parse("Démo SARL").expect("demo company name parses"),
                main_number: main.clone(),
                address: "1 place de la République, 75003 Paris".to_owned(),
                admin_email: EmailAddress::parse("admin@demo.example").expect("demo e-mail parses"),
                admin_password: PasswordHash::of(
                    &Password::parse(&admin_password).expect("12 characters"),
                ),
                language: Language::Fr,
                time_zone: TimeZone::default(),
            },
            now,
        )
        .await
        .context("creating the demo company")?;
    let pool: Vec<E164> = (101..=129)
        .map(|n| E164::parse(&format!("+33199000{n}")).expect("demo pool number parses"))
        .collect();
    store.add_pool_numbers(&pool).await?;
    let scope = store.account(account.id);
    let mut out = String::new();
    let web = format!("http://{}/", config.http_listen);
    writeln!(
        out,
        "Switchboard: a demo company was created (this is shown once)."
    )?;
    writeln!(out, "  Admin portal     {web}")?;
    writeln!(
        out,
        "  Sign in with     {} / {admin_password}",
        main.national_display()
    )?;
    writeln!(
        out,
        "  SIP server       {}:{} (realm {}), UDP or TCP",
        config.public_host,
        config.sip_listen.port(),
        config.sip_realm
    )?;
    let mut members = Vec::new();
    for (ext, name, mail) in PEOPLE {
        let portal_password = random_password(12);
        let user = scope
            .create_user(&NewUser {
                extension: domain::ExtensionNumber::parse(ext).expect("demo extension parses"),
                name: name.to_owned(),
                email: EmailAddress::parse(&format!("{mail}@demo.example"))
                    .expect("demo e-mail parses"),
                password: PasswordHash::of(
                    &Password::parse(&portal_password).expect("12 characters"),
                ),
                direct_number: Some(
                    E164::parse(&format!("+33199000{ext}")).expect("demo number parses"),
                ),
            })
            .await?;
        let sip_password = random_password(16);
        let device = scope
            .create_device(
                &NewDevice {
                    mac: None,
                    model: DeviceModel("softphone".to_owned()),
                    label: format!("Softphone {name}"),
                    sip_username: SipUsername::parse(&format!("demo{ext}"))
                        .expect("demo username parses"),
                    sip_password: SipPassword::parse(&sip_password).expect("16 characters"),
                    user: Some(user.id),
                },
                &config.sip_realm,
            )
            .await?;
        members.push(user.extension);
        writeln!(
            out,
            "  {ext} {name:<15} portal password {portal_password}   SIP username {} password {sip_password}",
            device.sip_username
        )?;
    }
    let group = scope
        .create_ring_group(
            &domain::ExtensionNumber::parse("600").expect("600 parses"),
            "Accueil",
            RingStrategy::Simultaneous,
            25,
            &members,
        )
        .await?;
    scope.route_number(&main, Some(group.extension.id)).await?;
    writeln!(
        out,
        "  600 Accueil         ring group of 101, 102, 103; the main number rings it"
    )?;
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ConfigFlags;

    #[tokio::test]
    async fn first_start_seeds_the_demo_company_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::connect(&format!("sqlite://{}/sb.db", dir.path().display()))
            .await
            .unwrap();
        let config = Config::load(&ConfigFlags::default(), &|_| None).unwrap();
        let text = seed_if_empty(&store, &config, UnixMillis::from_millis(0))
            .await
            .unwrap()
            .unwrap();
        assert!(text.contains("01 99 00 01 00 / "), "{text}");
        assert!(text.contains("SIP username demo101 password "), "{text}");
        let account = store
            .account_by_main_number(&E164::parse(MAIN_NUMBER).unwrap())
            .await
            .unwrap()
            .unwrap();
        // The printed admin password is the one stored.
        let printed = text
            .lines()
            .find(|l| l.contains("Sign in with"))
            .unwrap()
            .rsplit(' ')
            .next()
            .unwrap();
        assert!(account.admin_password.matches(printed));
        let scope = store.account(account.id);
        assert_eq!(scope.users().await.unwrap().len(), 3);
        assert_eq!(scope.devices().await.unwrap().len(), 3);
        let group = scope
            .extension_by_number(&domain::ExtensionNumber::parse("600").unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(scope.ring_group(group.id).await.unwrap().members.len(), 3);
        assert!(
            seed_if_empty(&store, &config, UnixMillis::from_millis(0))
                .await
                .unwrap()
                .is_none()
        );
    }
}
