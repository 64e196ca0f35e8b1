//! Ring group renaming and the portals' CSV import (temporary passwords,
//! problems per column), on both backends.

mod common;

use common::{account, backends, hash};
use domain::{EmailAddress, ExtensionKind, ExtensionNumber, Password, RingStrategy};
use storage::import::{ImportError, ImportOptions, Problem};
use storage::{NewUser, StorageError};

const HEADER: &str = "extension,name,email,password,sip_username,sip_password\n";

fn ext(n: &str) -> ExtensionNumber {
    ExtensionNumber::parse(n).unwrap()
}

fn user(n: &str, name: &str) -> NewUser {
    NewUser {
        extension: ext(n),
        name: name.into(),
        email: EmailAddress::parse(&format!("{}@example.fr", name.to_lowercase())).unwrap(),
        password: hash(),
        direct_number: None,
    }
}

fn fixed_password() -> Password {
    Password::parse("temporary-42").unwrap()
}

#[tokio::test]
async fn a_ring_group_is_renamed_to_a_free_extension_only() {
    for db in backends().await {
        let s = &db.store;
        let a = account(s, "+33199000100", "A").await;
        let b = account(s, "+33199000200", "B").await;
        let sa = s.account(a.id);
        let alice = sa.create_user(&user("101", "Alice")).await.unwrap();
        let g = sa
            .create_ring_group(
                &ext("600"),
                "Ventes",
                RingStrategy::Simultaneous,
                20,
                &[alice.extension],
            )
            .await
            .unwrap();
        sa.rename_ring_group(g.extension.id, &ext("610"), "Accueil")
            .await
            .unwrap();
        let renamed = sa.ring_group(g.extension.id).await.unwrap();
        assert_eq!(
            (
                renamed.extension.number.as_str(),
                renamed.extension.name.as_str()
            ),
            ("610", "Accueil"),
            "{}",
            db.name
        );
        assert_eq!(renamed.members, vec![alice.extension], "members kept");
        let clash = sa
            .rename_ring_group(g.extension.id, &ext("101"), "Accueil")
            .await;
        assert!(
            matches!(clash, Err(StorageError::Conflict(_))),
            "{}: {clash:?}",
            db.name
        );
        // A user extension is not a ring group, and B cannot touch A's group.
        assert!(matches!(
            sa.rename_ring_group(alice.extension, &ext("102"), "X")
                .await,
            Err(StorageError::NotFound(_))
        ));
        assert!(matches!(
            s.account(b.id)
                .rename_ring_group(g.extension.id, &ext("620"), "X")
                .await,
            Err(StorageError::NotFound(_))
        ));
        // Renaming and new settings together: a bad member undoes the
        // rename too.
        let bad = sa
            .edit_ring_group(
                g.extension.id,
                &ext("630"),
                "Support",
                RingStrategy::Sequential,
                30,
                &[g.extension.id],
            )
            .await;
        assert!(matches!(bad, Err(StorageError::Invalid(_))), "{bad:?}");
        sa.edit_ring_group(
            g.extension.id,
            &ext("610"),
            "Accueil",
            RingStrategy::Sequential,
            45,
            &[alice.extension],
        )
        .await
        .unwrap();
        let edited = sa.ring_group(g.extension.id).await.unwrap();
        assert_eq!(
            (edited.strategy, edited.ring_seconds),
            (RingStrategy::Sequential, 45)
        );
        let kept = sa.extension(g.extension.id).await.unwrap();
        assert_eq!(
            (kept.number.as_str(), kept.kind),
            ("610", ExtensionKind::RingGroup)
        );
        db.finish().await;
    }
}

#[tokio::test]
async fn the_portal_import_fills_empty_passwords_and_marks_them_temporary() {
    for db in backends().await {
        let s = &db.store;
        let a = account(s, "+33199000100", "A").await;
        let csv = format!(
            "{HEADER}101,Alice,alice@example.fr,,acme-101,sippass101\n\
             102,Bob,bob@example.fr,chosen-by-admin,acme-102,sippass102\n"
        );
        let options = ImportOptions {
            realm: "switchboard",
            fill_password: Some(fixed_password),
            temporary: true,
        };
        let imported = s
            .import_users_csv_with(a.id, csv.as_bytes(), &options)
            .await
            .unwrap();
        assert_eq!(imported.len(), 2, "{}", db.name);
        assert_eq!(imported[0].password.expose(), "temporary-42");
        assert_eq!(imported[1].password.expose(), "chosen-by-admin");
        let sa = s.account(a.id);
        for i in &imported {
            assert!(i.user.password.matches(i.password.expose()));
            assert!(sa.must_change_password(i.user.id).await.unwrap());
        }
        db.finish().await;
    }
}

#[tokio::test]
async fn problems_name_their_column_and_an_empty_password_is_refused_without_a_filler() {
    for db in backends().await {
        let s = &db.store;
        let a = account(s, "+33199000100", "A").await;
        s.account(a.id)
            .create_user(&user("101", "Alice"))
            .await
            .unwrap();
        let csv = format!(
            "{HEADER}101,Ann,ann@example.fr,password101,acme-1,sippass101\n\
             102,Bob,bob-at-example,password102,acme-2,sippass102\n\
             103,Carl,carl@example.fr,password103,acme-1,sippass103\n\
             104,Dora,dora@example.fr,,acme-4,sippass104\n\
             105,Eve\n"
        );
        let err = s
            .import_users_csv(a.id, csv.as_bytes(), "switchboard")
            .await
            .unwrap_err();
        let ImportError::Rows(rows) = err else {
            panic!("{}: expected row errors, got {err}", db.name);
        };
        let problems: Vec<(u64, Problem)> = rows
            .iter()
            .flat_map(|r| r.problems.iter().map(|p| (r.line, p.clone())))
            .collect();
        let expected = vec![
            (
                2,
                Problem::Taken {
                    column: "extension",
                    value: "101".into(),
                },
            ),
            (
                3,
                Problem::Invalid {
                    column: "email",
                    value: "bob-at-example".into(),
                },
            ),
            (
                4,
                Problem::Repeated {
                    column: "sip_username",
                    value: "acme-1".into(),
                    first_line: 2,
                },
            ),
            (
                5,
                Problem::Invalid {
                    column: "password",
                    value: String::new(),
                },
            ),
            (6, Problem::ColumnCount { found: 2 }),
        ];
        assert_eq!(problems, expected, "{}", db.name);
        assert_eq!(s.account(a.id).users().await.unwrap().len(), 1);
        db.finish().await;
    }
}
