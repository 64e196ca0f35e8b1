//! Which transport a request may use by size (RFC 3261 §18.1.1).

/// RFC 3261 §18.1.1: without a known path MTU, a request larger than
/// 1300 bytes must not go over UDP.
pub const UDP_REQUEST_LIMIT: usize = 1300;

/// Whether a request of `len` bytes must go over a congestion-controlled
/// transport (TCP) instead of UDP: when it is within 200 bytes of the path
/// MTU, or larger than 1300 bytes if the MTU is unknown (RFC 3261
/// §18.1.1). Responses are exempt: they go back the way the request came.
pub fn request_needs_tcp(len: usize, path_mtu: Option<usize>) -> bool {
    match path_mtu {
        Some(mtu) => len + 200 > mtu,
        None => len > UDP_REQUEST_LIMIT,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_requests_switch_to_tcp() {
        assert!(!request_needs_tcp(1300, None));
        assert!(request_needs_tcp(1301, None));
        assert!(!request_needs_tcp(1300, Some(1500)));
        assert!(request_needs_tcp(1301, Some(1500)));
        assert!(!request_needs_tcp(8000, Some(9000)));
    }
}
