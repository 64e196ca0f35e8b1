//! The Linux calls of the media workers (epoll, eventfd, recvmmsg,
//! sendmmsg) behind small safe types. All `unsafe` of `switch::media` is
//! here.

use std::io;
use std::mem::{size_of, zeroed};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::ptr::null_mut;

/// Datagrams moved per system call.
pub const BATCH: usize = 32;

/// Room per datagram; RTP on an Ethernet path is under 1500 bytes. A
/// longer datagram is dropped.
pub const BUF: usize = 1536;

/// An epoll set, edge-triggered, read readiness only: a reader drains a
/// socket to EAGAIN or remembers it.
pub struct Epoll(OwnedFd);

impl Epoll {
    pub fn new() -> io::Result<Self> {
        // SAFETY: plain system call; the result is checked.
        let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` is a new descriptor owned by nobody else.
        Ok(Self(unsafe { OwnedFd::from_raw_fd(fd) }))
    }

    /// Watches `fd` for reading; `token` comes back with its events. A
    /// closed descriptor leaves the set by itself.
    pub fn add(&self, fd: RawFd, token: u64) -> io::Result<()> {
        let mut ev = libc::epoll_event {
            events: (libc::EPOLLIN | libc::EPOLLET) as u32,
            u64: token,
        };
        // SAFETY: `ev` is a valid event for the duration of the call.
        let rc = unsafe { libc::epoll_ctl(self.0.as_raw_fd(), libc::EPOLL_CTL_ADD, fd, &mut ev) };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Waits up to `timeout_ms`; returns the tokens that are ready.
    pub fn wait<'e>(
        &self,
        events: &'e mut [libc::epoll_event],
        timeout_ms: i32,
    ) -> impl Iterator<Item = u64> + 'e {
        // SAFETY: the kernel writes at most `events.len()` entries.
        let n = unsafe {
            libc::epoll_wait(
                self.0.as_raw_fd(),
                events.as_mut_ptr(),
                events.len() as i32,
                timeout_ms,
            )
        };
        // A negative count is EINTR (or a bug): no events this round.
        events[..n.max(0) as usize].iter().map(|e| e.u64)
    }
}

/// An eventfd that wakes a worker when a command is queued.
pub struct EventFd(OwnedFd);

impl EventFd {
    pub fn new() -> io::Result<Self> {
        // SAFETY: plain system call; the result is checked.
        let fd = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` is a new descriptor owned by nobody else.
        Ok(Self(unsafe { OwnedFd::from_raw_fd(fd) }))
    }

    pub fn notify(&self) {
        let one = 1u64.to_ne_bytes();
        // SAFETY: writes 8 bytes from a live buffer. A full counter
        // (EAGAIN) still leaves the worker woken, so the result is moot.
        unsafe { libc::write(self.0.as_raw_fd(), one.as_ptr().cast(), 8) };
    }

    pub fn clear(&self) {
        let mut buf = [0u8; 8];
        // SAFETY: reads at most 8 bytes into a live buffer.
        unsafe { libc::read(self.0.as_raw_fd(), buf.as_mut_ptr().cast(), 8) };
    }

    pub fn fd(&self) -> RawFd {
        self.0.as_raw_fd()
    }
}

/// Preallocated buffers for one `recvmmsg` and the `sendmmsg` of what it
/// forwards. The kernel's pointers are set afresh on every call, so the
/// value may move.
pub struct Batch {
    bufs: [[u8; BUF]; BATCH],
    lens: [usize; BATCH],
    from: [libc::sockaddr_storage; BATCH],
    to: [libc::sockaddr_storage; BATCH],
    iov: [libc::iovec; BATCH],
    hdrs: [libc::mmsghdr; BATCH],
    /// Per queued send: the buffer index and the length.
    queued: [(usize, usize); BATCH],
    n_queued: usize,
}

impl Batch {
    pub fn new() -> Box<Self> {
        // SAFETY: every field is plain old data for which zero is valid
        // (null pointers are replaced before each call).
        unsafe { Box::new(zeroed()) }
    }

    /// Receives up to [`BATCH`] datagrams; returns how many (0 when none
    /// is waiting).
    pub fn recv(&mut self, fd: RawFd) -> usize {
        self.n_queued = 0;
        for i in 0..BATCH {
            self.iov[i] = libc::iovec {
                iov_base: self.bufs[i].as_mut_ptr().cast(),
                iov_len: BUF,
            };
            let h = &mut self.hdrs[i];
            h.msg_hdr.msg_name = (&raw mut self.from[i]).cast();
            h.msg_hdr.msg_namelen = size_of::<libc::sockaddr_storage>() as u32;
            h.msg_hdr.msg_iov = &raw mut self.iov[i];
            h.msg_hdr.msg_iovlen = 1;
            h.msg_hdr.msg_control = null_mut();
            h.msg_hdr.msg_controllen = 0;
            h.msg_hdr.msg_flags = 0;
            h.msg_len = 0;
        }
        // SAFETY: every header points at live buffers of the stated sizes.
        let n = unsafe {
            libc::recvmmsg(
                fd,
                self.hdrs.as_mut_ptr(),
                BATCH as u32,
                libc::MSG_DONTWAIT,
                null_mut(),
            )
        };
        let n = n.max(0) as usize;
        for i in 0..n {
            // A datagram cut to fit is reported empty, so it is dropped as
            // malformed rather than relayed short.
            let cut = self.hdrs[i].msg_hdr.msg_flags & libc::MSG_TRUNC != 0;
            self.lens[i] = if cut {
                0
            } else {
                self.hdrs[i].msg_len as usize
            };
        }
        n
    }

    /// The `i`th datagram received: its buffer, length and source.
    pub fn datagram(&mut self, i: usize) -> (&mut [u8; BUF], usize, Option<SocketAddr>) {
        (&mut self.bufs[i], self.lens[i], from_storage(&self.from[i]))
    }

    /// Queues the first `len` bytes of datagram `i` for `to`.
    pub fn queue(&mut self, i: usize, len: usize, to: SocketAddr) {
        let k = self.n_queued;
        to_storage(to, &mut self.to[k]);
        self.queued[k] = (i, len);
        self.n_queued += 1;
    }

    /// Sends what was queued from `fd`; returns how many went out.
    pub fn send(&mut self, fd: RawFd) -> usize {
        let n = self.n_queued;
        for k in 0..n {
            let (i, len) = self.queued[k];
            self.iov[k] = libc::iovec {
                iov_base: self.bufs[i].as_mut_ptr().cast(),
                iov_len: len,
            };
            let h = &mut self.hdrs[k];
            h.msg_hdr.msg_name = (&raw mut self.to[k]).cast();
            h.msg_hdr.msg_namelen = storage_len(&self.to[k]);
            h.msg_hdr.msg_iov = &raw mut self.iov[k];
            h.msg_hdr.msg_iovlen = 1;
            h.msg_hdr.msg_control = null_mut();
            h.msg_hdr.msg_controllen = 0;
            h.msg_hdr.msg_flags = 0;
        }
        let (mut next, mut ok) = (0, 0);
        while next < n {
            // SAFETY: headers `next..n` point at live buffers.
            let rc = unsafe {
                libc::sendmmsg(
                    fd,
                    self.hdrs[next..].as_mut_ptr(),
                    (n - next) as u32,
                    libc::MSG_DONTWAIT,
                )
            };
            if rc > 0 {
                next += rc as usize;
                ok += rc as usize;
            } else if io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
                // The datagram at `next` failed (a full send buffer, an
                // ICMP error left by an earlier one): skip it, send the rest.
                next += 1;
            }
        }
        ok
    }
}

fn to_storage(addr: SocketAddr, out: &mut libc::sockaddr_storage) {
    match addr {
        SocketAddr::V4(a) => {
            let sin = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: a.port().to_be(),
                sin_addr: libc::in_addr {
                    s_addr: u32::from_ne_bytes(a.ip().octets()),
                },
                sin_zero: [0; 8],
            };
            // SAFETY: sockaddr_storage is larger than and aligned for sockaddr_in.
            unsafe {
                (out as *mut libc::sockaddr_storage)
                    .cast::<libc::sockaddr_in>()
                    .write(sin)
            };
        }
        SocketAddr::V6(a) => {
            let sin6 = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: a.port().to_be(),
                sin6_flowinfo: a.flowinfo(),
                sin6_addr: libc::in6_addr {
                    s6_addr: a.ip().octets(),
                },
                sin6_scope_id: a.scope_id(),
            };
            // SAFETY: sockaddr_storage is larger than and aligned for sockaddr_in6.
            unsafe {
                (out as *mut libc::sockaddr_storage)
                    .cast::<libc::sockaddr_in6>()
                    .write(sin6)
            };
        }
    }
}

fn storage_len(s: &libc::sockaddr_storage) -> libc::socklen_t {
    if i32::from(s.ss_family) == libc::AF_INET6 {
        size_of::<libc::sockaddr_in6>() as u32
    } else {
        size_of::<libc::sockaddr_in>() as u32
    }
}

fn from_storage(s: &libc::sockaddr_storage) -> Option<SocketAddr> {
    match i32::from(s.ss_family) {
        libc::AF_INET => {
            // SAFETY: the family says the storage holds a sockaddr_in.
            let sin = unsafe { &*(s as *const libc::sockaddr_storage).cast::<libc::sockaddr_in>() };
            let ip = Ipv4Addr::from(sin.sin_addr.s_addr.to_ne_bytes());
            Some(SocketAddr::V4(SocketAddrV4::new(
                ip,
                u16::from_be(sin.sin_port),
            )))
        }
        libc::AF_INET6 => {
            // SAFETY: the family says the storage holds a sockaddr_in6.
            let sin6 =
                unsafe { &*(s as *const libc::sockaddr_storage).cast::<libc::sockaddr_in6>() };
            let ip = Ipv6Addr::from(sin6.sin6_addr.s6_addr);
            Some(SocketAddr::V6(SocketAddrV6::new(
                ip,
                u16::from_be(sin6.sin6_port),
                sin6.sin6_flowinfo,
                sin6.sin6_scope_id,
            )))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_addresses_survive_the_round_trip_through_sockaddr_storage() {
        for addr in ["127.0.0.1:4000", "[2001:db8::1]:5004"] {
            let addr: SocketAddr = addr.parse().unwrap();
            // SAFETY: zero is a valid sockaddr_storage.
            let mut s = unsafe { zeroed() };
            to_storage(addr, &mut s);
            assert_eq!(from_storage(&s), Some(addr));
        }
    }
}
