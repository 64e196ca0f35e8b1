//! The voicemail, forwarding and caller-ID forms of a user's settings, as
//! both portals show and save them: the admin's per-user dialog (SPEC A5)
//! and the user's own preferences (SPEC U6, U7, U8). One set of rules: a
//! PIN of 4 to 8 digits, a ring time of 5 to 120 seconds, a forward number
//! required when forwarding is on, a caller ID among the numbers offered.

use domain::{AfterEmail, E164, ForwardingSettings, Pin, PinHash, RingSeconds, User};
use serde::Deserialize;
use storage::UserSettings;

use crate::error::WebError;
use crate::i18n::Tr;

/// Which form is being saved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    Voicemail,
    Forwarding,
    CallerId,
}

/// Who edits. The ring time and what happens after the e-mail are set by
/// the admin (SPEC A5); the user's form does not carry them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Editor {
    Admin,
    User,
}

/// One sub-tab of a settings page: path segment, label key, form.
pub type Tab = (&'static str, &'static str, Section);

/// A sub-tab as the page shows it.
pub struct SubTab {
    pub href: String,
    pub label: String,
    pub active: bool,
}

/// The tab named `name` in the URL, or 404.
pub fn tab_of(tabs: &[Tab], name: &str) -> Result<(&'static str, Section), WebError> {
    tabs.iter()
        .find(|t| t.0 == name)
        .map(|t| (t.0, t.2))
        .ok_or(WebError::NotFound)
}

/// The sub-tab links under `base` (`/user/preferences`), `active` marked.
pub fn sub_tabs(tr: Tr, tabs: &[Tab], base: &str, active: &str) -> Vec<SubTab> {
    tabs.iter()
        .map(|&(t, key, _)| SubTab {
            href: format!("{base}/{t}"),
            label: tr.t(key),
            active: t == active,
        })
        .collect()
}

const AFTER_EMAIL: &[(AfterEmail, &str)] = &[
    (AfterEmail::KeepNew, "vm-after-keep"),
    (AfterEmail::MarkHeard, "vm-after-heard"),
    (AfterEmail::Delete, "vm-after-delete"),
];

/// One option of a select.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// What the forms show: the stored settings, or what was typed.
pub struct Values {
    pub vm_enabled: bool,
    pub ring: String,
    pub has_pin: bool,
    pub vm_email: bool,
    pub attach: bool,
    pub after: Vec<Choice>,
    /// The label of the chosen after-e-mail action (read-only display).
    pub after_label: String,
    pub fwd_enabled: bool,
    pub fwd_number: String,
    pub simultaneous: bool,
    pub key_press: bool,
    pub caller_ids: Vec<Choice>,
}

/// The refused fields, each with the key of its message.
#[derive(Default)]
pub struct Errors {
    pub ring: Option<&'static str>,
    pub pin: Option<&'static str>,
    pub fwd_number: Option<&'static str>,
    pub caller_id: Option<&'static str>,
}

impl Errors {
    /// Whether any field was refused.
    pub fn any(&self) -> bool {
        self.ring.is_some()
            || self.pin.is_some()
            || self.fwd_number.is_some()
            || self.caller_id.is_some()
    }
}

/// Every field of the three forms; each form sends its own.
#[derive(Deserialize, Default)]
pub struct SettingsForm {
    vm_enabled: Option<String>,
    #[serde(default)]
    ring: String,
    #[serde(default)]
    pin: String,
    vm_email: Option<String>,
    attach: Option<String>,
    #[serde(default)]
    after: String,
    fwd_enabled: Option<String>,
    #[serde(default)]
    fwd_number: String,
    simultaneous: Option<String>,
    key_press: Option<String>,
    #[serde(default)]
    caller_id: String,
}

/// The caller-ID options: the empty value (`default_label`, the account's
/// main number) then `numbers`, the current choice selected.
pub fn caller_id_choices(
    current: Option<&E164>,
    default_label: String,
    numbers: &[E164],
) -> Vec<Choice> {
    let mut choices = vec![Choice {
        value: String::new(),
        label: default_label,
        selected: current.is_none(),
    }];
    choices.extend(numbers.iter().map(|n| Choice {
        value: n.as_str().to_owned(),
        label: n.national_display(),
        selected: current == Some(n),
    }));
    choices
}

impl Values {
    /// The stored settings of `user`, with the caller-ID options given.
    pub fn of(tr: Tr, user: &User, caller_ids: Vec<Choice>) -> Self {
        let vm = &user.voicemail;
        let fwd = &user.forwarding;
        let after = after_choices(tr, vm.after_email);
        Self {
            vm_enabled: vm.enabled,
            ring: vm.ring_seconds.get().to_string(),
            has_pin: vm.pin.is_some(),
            vm_email: vm.email_notification,
            attach: vm.attach_mp3,
            after_label: after
                .iter()
                .find(|c| c.selected)
                .map(|c| c.label.clone())
                .unwrap_or_default(),
            after,
            fwd_enabled: fwd.enabled(),
            fwd_number: fwd.number().map(E164::national_display).unwrap_or_default(),
            simultaneous: fwd.simultaneous(),
            key_press: fwd.key_press_required(),
            caller_ids,
        }
    }

    /// Puts what was typed in the `section` form back, to show it refused.
    pub fn keep_typed(&mut self, tr: Tr, section: Section, editor: Editor, f: &SettingsForm) {
        match section {
            Section::Voicemail => {
                self.vm_enabled = f.vm_enabled.is_some();
                self.vm_email = f.vm_email.is_some();
                self.attach = f.attach.is_some();
                if editor == Editor::Admin {
                    self.ring = f.ring.clone();
                    if let Some(a) = AfterEmail::parse(&f.after) {
                        self.after = after_choices(tr, a);
                    }
                }
            }
            Section::Forwarding => {
                self.fwd_enabled = f.fwd_enabled.is_some();
                self.fwd_number = f.fwd_number.clone();
                self.simultaneous = f.simultaneous.is_some();
                self.key_press = f.key_press.is_some();
            }
            Section::CallerId => {
                for c in &mut self.caller_ids {
                    c.selected = c.value == f.caller_id;
                }
            }
        }
    }
}

fn after_choices(tr: Tr, current: AfterEmail) -> Vec<Choice> {
    AFTER_EMAIL
        .iter()
        .map(|&(a, key)| Choice {
            value: a.as_str().to_owned(),
            label: tr.t(key),
            selected: a == current,
        })
        .collect()
}

/// Applies the `section` form to `settings`. `caller_ids` are the numbers
/// the caller ID may be set to (besides the main number). A refused form
/// changes nothing and says which fields are wrong.
pub async fn apply(
    section: Section,
    editor: Editor,
    f: &SettingsForm,
    settings: &mut UserSettings,
    caller_ids: &[E164],
) -> Result<Result<(), Errors>, WebError> {
    let mut e = Errors::default();
    match section {
        Section::Voicemail => {
            let ring = match editor {
                Editor::Admin => f
                    .ring
                    .trim()
                    .parse::<i64>()
                    .ok()
                    .and_then(|s| RingSeconds::new(s).ok()),
                Editor::User => Some(settings.voicemail.ring_seconds),
            };
            let pin = match f.pin.trim() {
                "" => Ok(None),
                digits => Pin::parse(digits).map(Some),
            };
            if ring.is_none() {
                e.ring = Some("vm-bad-ring");
            }
            if pin.is_err() {
                e.pin = Some("vm-bad-pin");
            }
            let (Some(ring), Ok(pin)) = (ring, pin) else {
                return Ok(Err(e));
            };
            let vm = &mut settings.voicemail;
            vm.enabled = f.vm_enabled.is_some();
            vm.ring_seconds = ring;
            if let Some(pin) = pin {
                vm.pin = Some(
                    tokio::task::spawn_blocking(move || PinHash::of(&pin))
                        .await
                        .map_err(|e| WebError::Internal(format!("PIN hashing: {e}")))?,
                );
            }
            vm.email_notification = f.vm_email.is_some();
            vm.attach_mp3 = f.attach.is_some();
            if editor == Editor::Admin {
                vm.after_email = AfterEmail::parse(&f.after).unwrap_or(vm.after_email);
            }
        }
        Section::Forwarding => {
            let number = match f.fwd_number.trim() {
                "" => Ok(None),
                n => E164::parse(n).map(Some),
            };
            match number {
                Err(_) => e.fwd_number = Some("fwd-bad-number"),
                Ok(number) => match ForwardingSettings::new(
                    f.fwd_enabled.is_some(),
                    number,
                    f.simultaneous.is_some(),
                    f.key_press.is_some(),
                ) {
                    Ok(fwd) => settings.forwarding = fwd,
                    Err(_) => e.fwd_number = Some("fwd-number-required"),
                },
            }
        }
        Section::CallerId => match f.caller_id.trim() {
            "" => settings.caller_id = None,
            n => match E164::parse(n).ok().filter(|n| caller_ids.contains(n)) {
                Some(n) => settings.caller_id = Some(n),
                None => e.caller_id = Some("advanced-bad-caller-id"),
            },
        },
    }
    Ok(if e.any() { Err(e) } else { Ok(()) })
}

/// The settings of `user` as storage takes them.
pub fn settings_of(user: &User) -> UserSettings {
    UserSettings {
        voicemail: user.voicemail.clone(),
        forwarding: user.forwarding.clone(),
        caller_id: user.caller_id.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored() -> UserSettings {
        UserSettings {
            voicemail: domain::VoicemailSettings::default(),
            forwarding: ForwardingSettings::default(),
            caller_id: None,
        }
    }

    fn n(text: &str) -> E164 {
        E164::parse(text).unwrap()
    }

    #[tokio::test]
    async fn the_user_cannot_change_the_ring_time_or_the_after_email_action() {
        let mut s = stored();
        let f = SettingsForm {
            ring: "99".into(),
            after: "delete".into(),
            pin: "2468".into(),
            ..SettingsForm::default()
        };
        let done = apply(Section::Voicemail, Editor::User, &f, &mut s, &[]).await;
        assert!(done.unwrap().is_ok());
        assert_eq!(s.voicemail.ring_seconds, RingSeconds::default());
        assert_eq!(s.voicemail.after_email, AfterEmail::KeepNew);
        assert!(!s.voicemail.enabled, "unticked box");
        assert!(s.voicemail.pin.unwrap().matches("2468"));
        let mut s = stored();
        apply(Section::Voicemail, Editor::Admin, &f, &mut s, &[])
            .await
            .unwrap()
            .unwrap_or_else(|_| panic!("the admin's form is valid"));
        assert_eq!(s.voicemail.ring_seconds.get(), 99);
        assert_eq!(s.voicemail.after_email, AfterEmail::Delete);
    }

    #[tokio::test]
    async fn refused_fields_are_named_and_nothing_changes() {
        let cases = [
            (Section::Voicemail, "pin", "123", "vm-bad-pin"),
            (Section::Forwarding, "fwd_number", "", "fwd-number-required"),
            (Section::Forwarding, "fwd_number", "12ab", "fwd-bad-number"),
            (
                Section::CallerId,
                "caller_id",
                "+33199000300",
                "advanced-bad-caller-id",
            ),
        ];
        for (section, field, value, key) in cases {
            let mut f = SettingsForm {
                fwd_enabled: Some("on".into()),
                ..SettingsForm::default()
            };
            match field {
                "pin" => f.pin = value.into(),
                "fwd_number" => f.fwd_number = value.into(),
                _ => f.caller_id = value.into(),
            }
            let mut s = stored();
            let offered = [n("+33199000201")];
            let Err(e) = apply(section, Editor::User, &f, &mut s, &offered)
                .await
                .unwrap()
            else {
                panic!("{field}={value:?} accepted");
            };
            let got = [e.pin, e.fwd_number, e.caller_id];
            assert!(got.contains(&Some(key)), "{field}={value:?}");
            assert_eq!(s, stored(), "{field}={value:?}");
        }
    }

    #[tokio::test]
    async fn the_caller_id_is_one_of_the_numbers_offered_or_the_main_number() {
        let mut s = stored();
        let offered = [n("+33199000201")];
        let f = SettingsForm {
            caller_id: "+33199000201".into(),
            ..SettingsForm::default()
        };
        assert!(
            apply(Section::CallerId, Editor::User, &f, &mut s, &offered)
                .await
                .unwrap()
                .is_ok()
        );
        assert_eq!(s.caller_id, Some(n("+33199000201")));
        let main = SettingsForm::default();
        assert!(
            apply(Section::CallerId, Editor::User, &main, &mut s, &offered)
                .await
                .unwrap()
                .is_ok()
        );
        assert_eq!(s.caller_id, None);
    }
}
