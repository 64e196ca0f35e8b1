//! What the portal tests share: a browser that keeps the session cookie
//! and the page's CSRF token, driving the router without a socket.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response, StatusCode, header};
use tower::ServiceExt;

/// A browser: keeps the session cookie and the page's CSRF token.
pub struct Browser {
    pub app: Router,
    pub cookie: Option<String>,
    pub csrf: Option<String>,
}

impl Browser {
    pub fn new(app: &Router) -> Self {
        Self {
            app: app.clone(),
            cookie: None,
            csrf: None,
        }
    }

    pub async fn send(&mut self, req: Request<Body>) -> (StatusCode, Response<Body>, String) {
        let res = self.app.clone().oneshot(req).await.unwrap();
        if let Some(set) = res.headers().get(header::SET_COOKIE) {
            let set = set.to_str().unwrap();
            self.cookie = Some(set.split(';').next().unwrap().to_owned());
        }
        let status = res.status();
        let (parts, body) = res.into_parts();
        let bytes = axum::body::to_bytes(body, 1 << 22).await.unwrap();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        if let Some(i) = text.find("name=\"csrf-token\" content=\"") {
            let rest = &text[i + 27..];
            self.csrf = Some(rest[..rest.find('"').unwrap()].to_owned());
        }
        (status, Response::from_parts(parts, Body::empty()), text)
    }

    pub async fn get(&mut self, path: &str) -> (StatusCode, Response<Body>, String) {
        let mut req = Request::get(path);
        if let Some(c) = &self.cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(Body::empty()).unwrap()).await
    }

    /// Posts a form with the page's CSRF token.
    pub async fn post(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
    ) -> (StatusCode, Response<Body>, String) {
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        let csrf = self.csrf.clone().unwrap_or_default();
        all.push(("_csrf", &csrf));
        self.post_raw(path, &all).await
    }

    pub async fn post_raw(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
    ) -> (StatusCode, Response<Body>, String) {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut req =
            Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = &self.cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(Body::from(body)).unwrap()).await
    }
}

pub fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub fn location(res: &Response<Body>) -> &str {
    res.headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap())
        .unwrap_or("")
}
