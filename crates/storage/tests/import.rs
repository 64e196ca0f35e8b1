//! CSV import validation, on both backends.

mod common;

use common::{account, backends};
use storage::import::ImportError;

const HEADER: &str = "extension,name,email,password,sip_username,sip_password\n";

fn lines(err: &ImportError) -> Vec<u64> {
    match err {
        ImportError::Rows(rows) => rows.iter().map(|r| r.line).collect(),
        other => panic!("expected row errors, got {other}"),
    }
}

#[tokio::test]
async fn a_valid_file_creates_users_with_one_device_each() {
    for db in backends().await {
        let s = &db.store;
        let a = account(s, "+33199000100", "A").await;
        let csv = format!(
            "{HEADER}101,Alice Martin,alice@example.fr,password101,acme-101,sippass101\n\
             102,\"Bernard, Louis\",louis@example.fr,password102,acme-102,sippass102\n"
        );
        let n = s
            .import_users_csv(a.id, csv.as_bytes(), "switchboard")
            .await
            .unwrap();
        assert_eq!(n, 2, "{}", db.name);
        let users = s.account(a.id).users().await.unwrap();
        assert_eq!(users[1].name, "Bernard, Louis");
        assert!(users[0].password.matches("password101"));
        let dev = &s.account(a.id).devices_of(users[0].id).await.unwrap()[0];
        assert_eq!(dev.sip_username.as_str(), "acme-101");
        db.finish().await;
    }
}

#[tokio::test]
async fn every_bad_row_is_reported_with_its_line_and_nothing_is_written() {
    for db in backends().await {
        let s = &db.store;
        let a = account(s, "+33199000100", "A").await;
        let csv = format!(
            "{HEADER}101,Alice,alice@example.fr,password101,acme-101,sippass101\n\
             12a,Bob,bob@example.fr,password102,acme-102,sippass102\n\
             103,Carol,not-an-email,short,acme-103,sippass103\n\
             104,Dan,dan@example.fr,password104,acme-101,sippass104\n\
             101,Eve,eve@example.fr,password105,acme-105,sippass105\n\
             106,Frank,frank@example.fr\n"
        );
        let err = s
            .import_users_csv(a.id, csv.as_bytes(), "switchboard")
            .await
            .unwrap_err();
        assert_eq!(lines(&err), vec![3, 4, 5, 6, 7], "{}: {err}", db.name);
        let text = err.to_string();
        assert!(
            text.contains("line 3: extension must be 2 to 6 digits, got \"12a\""),
            "{text}"
        );
        assert!(text.contains("line 4: not a valid e-mail address: \"not-an-email\"; password must have at least 8 characters"), "{text}");
        assert!(
            text.contains("line 5: SIP username acme-101 already on line 2"),
            "{text}"
        );
        assert!(
            text.contains("line 6: extension 101 already on line 2"),
            "{text}"
        );
        assert!(
            text.contains("line 7: expected 6 columns, found 3"),
            "{text}"
        );
        assert!(s.account(a.id).users().await.unwrap().is_empty());
        db.finish().await;
    }
}

#[tokio::test]
async fn rows_clashing_with_the_database_are_refused() {
    for db in backends().await {
        let s = &db.store;
        let a = account(s, "+33199000100", "A").await;
        let b = account(s, "+33199000200", "B").await;
        let first = format!("{HEADER}101,Alice,alice@example.fr,password101,shared-1,sippass101\n");
        s.import_users_csv(b.id, first.as_bytes(), "switchboard")
            .await
            .unwrap();
        s.import_users_csv(
            a.id,
            first.replace("shared-1", "a-101").as_bytes(),
            "switchboard",
        )
        .await
        .unwrap();
        // Extension 101 exists in A; SIP username shared-1 exists in B.
        let second = format!(
            "{HEADER}101,Ann,ann@example.fr,password101,a-ann,sippass101\n\
             102,Bob,bob@example.fr,password102,shared-1,sippass102\n\
             103,Carl,carl@example.fr,password103,a-103,sippass103\n"
        );
        let err = s
            .import_users_csv(a.id, second.as_bytes(), "switchboard")
            .await
            .unwrap_err();
        assert_eq!(lines(&err), vec![2, 3], "{}: {err}", db.name);
        assert!(
            err.to_string()
                .contains("SIP username shared-1 is already in use")
        );
        assert_eq!(
            s.account(a.id).users().await.unwrap().len(),
            1,
            "nothing of the file was written"
        );
        db.finish().await;
    }
}

#[tokio::test]
async fn a_wrong_header_or_an_empty_file_is_refused() {
    for db in backends().await {
        let s = &db.store;
        let a = account(s, "+33199000100", "A").await;
        let err = s
            .import_users_csv(a.id, "ext,name\n101,A\n".as_bytes(), "r")
            .await
            .unwrap_err();
        assert!(
            matches!(err, ImportError::BadHeader { .. }),
            "{}: {err}",
            db.name
        );
        assert!(
            err.to_string()
                .contains("extension,name,email,password,sip_username,sip_password")
        );
        let err = s
            .import_users_csv(a.id, HEADER.as_bytes(), "r")
            .await
            .unwrap_err();
        assert!(matches!(err, ImportError::Empty));
        db.finish().await;
    }
}

#[tokio::test]
async fn crlf_files_report_the_right_lines_and_a_bom_or_latin1_is_handled() {
    for db in backends().await {
        let s = &db.store;
        let a = account(s, "+33199000100", "A").await;
        // As a browser's textarea or a spreadsheet sends it.
        let csv = "\u{feff}extension,name,email,password,sip_username,sip_password\r\n\
                   101,Alice Martin,alice@example.fr,password101,acme-101,sippass101\r\n\
                   10x,Bob,bob@example,password102,acme-102,sippass102\r\n";
        let err = s
            .import_users_csv(a.id, csv.as_bytes(), "switchboard")
            .await
            .unwrap_err();
        assert_eq!(lines(&err), vec![3], "{}", db.name);
        // Latin-1 "é" is refused with a message, not replaced.
        let latin1 = b"extension,name,email,password,sip_username,sip_password\n\
                       101,Ren\xe9,rene@example.fr,password101,acme-101,sippass101\n";
        let err = s
            .import_users_csv(a.id, &latin1[..], "switchboard")
            .await
            .unwrap_err();
        assert!(err.to_string().contains("UTF-8"), "{err}");
        assert!(s.account(a.id).users().await.unwrap().is_empty());
        // The same file with a BOM and CRLF imports.
        let good = csv.replace("10x,Bob,bob@example", "102,Bob,bob@example.fr");
        let n = s
            .import_users_csv(a.id, good.as_bytes(), "switchboard")
            .await
            .unwrap();
        assert_eq!(n, 2, "{}", db.name);
        db.finish().await;
    }
}
