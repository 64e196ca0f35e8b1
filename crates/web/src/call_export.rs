//! Call records as a CSV download, streamed page by page through
//! `AccountScope::calls_after` (keyset), so memory stays one page however
//! many rows there are. Shared by the API's export (raw values) and the
//! user portal's (translated, in the account's time zone): each brings its
//! header line and how to write one record.

use std::sync::Arc;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use domain::{AccountId, CallRecord};
use storage::{CallCursor, CallFilter, Store};

/// Rows fetched per query.
const PAGE: u32 = 1000;

/// Writes one record as a CSV line (see [`push_line`]).
pub type LineWriter = Arc<dyn Fn(&mut String, &CallRecord) + Send + Sync>;

/// What a CSV download holds: the header line, one line per record, the
/// file name offered to the browser.
pub struct CsvExport {
    /// The first line, ending with `\n`.
    pub header: String,
    pub line: LineWriter,
    /// The `Content-Disposition` value.
    pub disposition: &'static str,
}

/// Every call of `account` matching `filter` (newest first, at most
/// `filter.limit`) as a streamed CSV response.
pub fn stream(store: Store, account: AccountId, filter: CallFilter, csv: CsvExport) -> Response {
    let disposition = HeaderValue::from_static(csv.disposition);
    let start = Export {
        cursor: Some(None),
        first: true,
        left: filter.limit,
    };
    let csv = Arc::new(csv);
    // Each step fetches one page after the previous page's last row.
    let pages = futures_util::stream::unfold(start, move |state| {
        let store = store.clone();
        let filter = filter.clone();
        let csv = Arc::clone(&csv);
        async move { next_page(&store, account, filter, &csv, state).await }
    });
    let mut res = axum::body::Body::from_stream(pages).into_response();
    let headers = res.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    headers.insert(header::CONTENT_DISPOSITION, disposition);
    res
}

/// Appends `cells` as one CSV line (RFC 4180 quoting).
pub fn push_line<S: AsRef<str>>(out: &mut String, cells: &[S]) {
    for (i, cell) in cells.iter().enumerate() {
        let cell = cell.as_ref();
        if i > 0 {
            out.push(',');
        }
        if cell.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&cell.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(cell);
        }
    }
    out.push('\n');
}

/// Where the export is: the cursor of the next page (`None` once done),
/// whether the header is still to send, how many rows may still go.
struct Export {
    cursor: Option<Option<CallCursor>>,
    first: bool,
    left: u32,
}

async fn next_page(
    store: &Store,
    account: AccountId,
    mut f: CallFilter,
    csv: &CsvExport,
    state: Export,
) -> Option<(Result<String, std::io::Error>, Export)> {
    let cursor = state.cursor?;
    let done = Export {
        cursor: None,
        first: false,
        left: 0,
    };
    f.limit = PAGE.min(state.left);
    if f.limit == 0 {
        return state.first.then(|| (Ok(csv.header.clone()), done));
    }
    let page = match store.account(account).calls_after(&f, cursor).await {
        Ok(p) => p,
        Err(e) => {
            tracing::error!(error = %e, "CSV export failed part-way");
            return Some((Err(std::io::Error::other(e)), done));
        }
    };
    let count = u32::try_from(page.len()).expect("a page holds at most PAGE rows");
    let next = match page.last() {
        Some(last) if count == f.limit => Some(Some(CallCursor::after(last))),
        _ => None,
    };
    let mut out = String::with_capacity(page.len() * 120 + csv.header.len());
    if state.first {
        out.push_str(&csv.header);
    }
    for c in &page {
        (csv.line)(&mut out, c);
    }
    let state = Export {
        cursor: next,
        first: false,
        left: state.left - count,
    };
    Some((Ok(out), state))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_with_commas_quotes_or_newlines_are_quoted() {
        let mut out = String::new();
        push_line(&mut out, &["plain", "a,b", "say \"hi\"", "two\nlines"]);
        assert_eq!(out, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\"\n");
    }
}
