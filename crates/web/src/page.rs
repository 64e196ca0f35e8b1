//! What every page template shares: the language, the CSRF token, the top
//! bar (tabs and the account menu), and the asset version.
//!
//! A page template is a struct with a `p: Page` field and its own data; its
//! HTML extends `base.html`:
//!
//! ```text
//! {% extends "base.html" %}
//! {% block content %}<h1>{{ p.t("dashboard-title") }}</h1>{% endblock %}
//! ```
//!
//! Build the `Page` with [`Page::new`] (signed-out pages) or
//! [`Page::admin`] / [`Page::user`] (portal pages with their tab bar), and
//! return the template through [`render`].

use askama::Template;
use axum::response::{Html, IntoResponse, Response};
use tower_sessions::Session;

use crate::error::WebError;
use crate::i18n::Tr;
use crate::session::SessionData;

/// One tab of the portal's tab bar. A tab exists only when its feature
/// does (issue 5: no "coming soon" pages).
pub struct Tab {
    pub label: String,
    pub href: &'static str,
    pub active: bool,
}

/// The top bar of a signed-in page.
pub struct Nav {
    /// Shown top right; the sign-out button is in the menu under it.
    pub who: String,
    pub tabs: Vec<Tab>,
}

/// Shared page data; see the module documentation.
pub struct Page {
    pub tr: Tr,
    pub title: String,
    pub csrf: String,
    pub nav: Option<Nav>,
    /// The path of this page, where the language switch comes back to.
    pub path: String,
}

/// The admin portal's tabs, in the seed pages' order. Add a line here when
/// a page lands.
const ADMIN_TABS: &[(&str, &str)] = &[
    ("tab-home", "/admin"),
    ("tab-calls", "/admin/calls"),
    ("tab-extensions", "/admin/extensions"),
    ("tab-numbers", "/admin/numbers"),
    ("tab-devices", "/admin/devices"),
    ("tab-account", "/admin/account"),
    ("tab-api-keys", "/admin/api-keys"),
];

/// The user portal's tabs.
const USER_TABS: &[(&str, &str)] = &[
    ("tab-calls", "/user/calls"),
    ("tab-voicemail", "/user/voicemail"),
    ("tab-preferences", "/user/preferences"),
    ("tab-profile", "/user/profile"),
];

/// The operator portal's tabs (issue 6).
const OPERATOR_TABS: &[(&str, &str)] = &[
    ("tab-operator-accounts", "/operator/accounts"),
    ("tab-operator-numbers", "/operator/numbers"),
];

impl Page {
    /// A page without the portal's top bar (sign-in, recovery).
    pub async fn new(session: &Session, title_key: &str, path: &str) -> Result<Self, WebError> {
        let tr = Tr(SessionData::language(session).await);
        Ok(Self {
            tr,
            title: tr.t(title_key),
            csrf: SessionData::csrf_token(session).await?,
            nav: None,
            path: path.to_owned(),
        })
    }

    /// An admin portal page, `path` being its tab.
    pub async fn admin(
        session: &Session,
        title_key: &str,
        path: &'static str,
        who: String,
    ) -> Result<Self, WebError> {
        Self::with_tabs(session, title_key, path, who, ADMIN_TABS).await
    }

    /// A user portal page, `path` being its tab.
    pub async fn user(
        session: &Session,
        title_key: &str,
        path: &'static str,
        who: String,
    ) -> Result<Self, WebError> {
        Self::with_tabs(session, title_key, path, who, USER_TABS).await
    }

    /// An operator portal page, `path` being its tab.
    pub async fn operator(
        session: &Session,
        title_key: &str,
        path: &'static str,
        who: String,
    ) -> Result<Self, WebError> {
        Self::with_tabs(session, title_key, path, who, OPERATOR_TABS).await
    }

    async fn with_tabs(
        session: &Session,
        title_key: &str,
        path: &'static str,
        who: String,
        tabs: &[(&str, &'static str)],
    ) -> Result<Self, WebError> {
        let mut page = Self::new(session, title_key, path).await?;
        let tr = page.tr;
        page.nav = Some(Nav {
            who,
            tabs: tabs
                .iter()
                .map(|&(key, href)| Tab {
                    label: tr.t(key),
                    href,
                    active: href == path,
                })
                .collect(),
        });
        Ok(page)
    }

    /// The message `key` in the page's language.
    pub fn t(&self, key: &str) -> String {
        self.tr.t(key)
    }

    /// The message `key` with one argument.
    pub fn t1(&self, key: &str, name: &'static str, value: &str) -> String {
        self.tr.t1(key, name, value)
    }

    /// The language the switch offers: the other one.
    pub fn other_language(&self) -> &'static str {
        match self.tr.0 {
            domain::Language::Fr => "en",
            domain::Language::En => "fr",
        }
    }

    /// Cache-busting suffix of `/static/` links.
    pub fn asset_version(&self) -> &'static str {
        crate::assets::VERSION.as_str()
    }
}

/// Renders a template as a 200 page.
pub fn render(template: &impl Template) -> Result<Response, WebError> {
    Ok(Html(template.render()?).into_response())
}

/// Renders a template with another status (422 for a refused form, 429...).
pub fn render_status(
    status: axum::http::StatusCode,
    template: &impl Template,
) -> Result<Response, WebError> {
    Ok((status, Html(template.render()?)).into_response())
}
