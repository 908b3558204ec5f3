//! Per-client rate limit that never keeps an address on disk.
//!
//! Invariants: the limiter is keyed by an HMAC-SHA256 of the client address with a random
//! salt that lives only in memory and is replaced every UTC day, so a key cannot be turned
//! back into an address, and keys from different days cannot be linked. The counting itself
//! is `governor`'s keyed GCRA limiter.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use hmac::{KeyInit, Mac};
use sha2::Sha256;

/// How many answers one client may send: `per_minute` on average, `burst` at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Sustained answers per minute per client.
    pub per_minute: NonZeroU32,
    /// Answers allowed in a burst.
    pub burst: NonZeroU32,
}

impl Default for RateLimit {
    /// Generous enough for an office behind one NAT address, tight enough to slow a script.
    fn default() -> Self {
        Self {
            per_minute: NonZeroU32::new(60).expect("non-zero"),
            burst: NonZeroU32::new(30).expect("non-zero"),
        }
    }
}

type Key = [u8; 16];

/// The salt of one UTC day.
struct DaySalt {
    day: i64,
    salt: [u8; 32],
}

/// Turns addresses into salted keys; the salt is replaced every UTC day.
struct Salter(Mutex<DaySalt>);

/// A keyed rate limiter whose keys are salted HMACs of client addresses.
pub(crate) struct ClientLimiter {
    limiter: DefaultKeyedRateLimiter<Key>,
    salt: Salter,
    checks: AtomicU64,
}

fn fresh_salt() -> [u8; 32] {
    let mut salt = [0u8; 32];
    getrandom::fill(&mut salt).expect("the operating system's random source works");
    salt
}

fn utc_day() -> i64 {
    jiff::Timestamp::now().as_second().div_euclid(86_400)
}

/// The part of an address that names one client: all of an IPv4 address, the /64 network
/// of an IPv6 one (a single host usually gets a whole /64 and can pick any address in it).
/// IPv4-mapped IPv6 addresses count as the IPv4 address. The tag byte keeps the two apart.
fn client_bits(addr: IpAddr) -> Vec<u8> {
    let addr = match addr {
        IpAddr::V6(a) => a.to_ipv4_mapped().map_or(addr, IpAddr::V4),
        v4 => v4,
    };
    match addr {
        IpAddr::V4(a) => [&[4u8][..], &a.octets()].concat(),
        IpAddr::V6(a) => [&[6u8][..], &a.octets()[..8]].concat(),
    }
}

impl Salter {
    fn new() -> Self {
        Salter(Mutex::new(DaySalt {
            day: utc_day(),
            salt: fresh_salt(),
        }))
    }

    fn key(&self, addr: IpAddr) -> Key {
        let today = utc_day();
        let salt = {
            let mut current = self.0.lock().unwrap_or_else(|e| e.into_inner());
            if current.day != today {
                // A new day: a new salt, so keys of different days cannot be linked.
                *current = DaySalt {
                    day: today,
                    salt: fresh_salt(),
                };
            }
            current.salt
        };
        let mut mac = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(&salt)
            .expect("HMAC takes a key of any length");
        mac.update(&client_bits(addr));
        let digest = mac.finalize().into_bytes();
        let mut key = [0u8; 16];
        key.copy_from_slice(&digest[..16]);
        key
    }
}

/// Failed admin logins per client: after [`AuthFailures::MAX`] failures in a window the
/// client is refused (429) before its token is even compared, until the window ends.
pub(crate) struct AuthFailures {
    salt: Salter,
    failures: Mutex<HashMap<Key, (u32, Instant)>>,
}

impl AuthFailures {
    /// Failures allowed per window.
    pub(crate) const MAX: u32 = 5;
    /// The window, counted from the first failure.
    pub(crate) const WINDOW: Duration = Duration::from_secs(60);

    pub(crate) fn new() -> Self {
        Self {
            salt: Salter::new(),
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(wait)` when `addr` used up its failures.
    pub(crate) fn check(&self, addr: IpAddr) -> Result<(), Duration> {
        let key = self.salt.key(addr);
        let map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        match map.get(&key) {
            Some((n, since)) if *n >= Self::MAX && since.elapsed() < Self::WINDOW => {
                Err(Self::WINDOW - since.elapsed())
            }
            _ => Ok(()),
        }
    }

    /// Counts one failure of `addr`.
    pub(crate) fn fail(&self, addr: IpAddr) {
        let key = self.salt.key(addr);
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 10_000 {
            // Bounded memory under a spray of addresses: forget finished windows.
            map.retain(|_, (_, since)| since.elapsed() < Self::WINDOW);
        }
        let entry = map.entry(key).or_insert((0, Instant::now()));
        if entry.1.elapsed() >= Self::WINDOW {
            *entry = (0, Instant::now());
        }
        entry.0 += 1;
    }
}

impl ClientLimiter {
    /// A limiter with the given quota and a fresh salt.
    pub(crate) fn new(limit: RateLimit) -> Self {
        let quota = Quota::per_minute(limit.per_minute).allow_burst(limit.burst);
        Self {
            limiter: DefaultKeyedRateLimiter::keyed(quota),
            salt: Salter::new(),
            checks: AtomicU64::new(0),
        }
    }

    fn key(&self, addr: IpAddr) -> Key {
        self.salt.key(addr)
    }

    /// Counts one request from `addr`; `Err` carries how long the client should wait.
    pub(crate) fn check(&self, addr: IpAddr) -> Result<(), Duration> {
        let key = self.key(addr);
        // Now and then drop the keys of clients that are back to a full allowance, so the
        // map stays as small as the set of recently active clients.
        if self.checks.fetch_add(1, Ordering::Relaxed) % 10_000 == 9_999 {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
        self.limiter
            .check_key(&key)
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_after_the_burst_and_keeps_clients_apart() {
        let limiter = ClientLimiter::new(RateLimit {
            per_minute: NonZeroU32::new(1).unwrap(),
            burst: NonZeroU32::new(2).unwrap(),
        });
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "2001:db8::1".parse().unwrap();
        assert!(limiter.check(a).is_ok());
        assert!(limiter.check(a).is_ok());
        let wait = limiter.check(a).unwrap_err();
        assert!(wait > Duration::from_secs(1), "{wait:?}");
        assert!(limiter.check(b).is_ok());
    }

    #[test]
    fn ipv6_clients_are_keyed_by_their_64_network() {
        let limiter = ClientLimiter::new(RateLimit::default());
        let key = |a: &str| limiter.key(a.parse().unwrap());
        assert_eq!(
            key("2001:db8:1:2::1"),
            key("2001:db8:1:2:ffff:eeee:dddd:cccc")
        );
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("::ffff:192.0.2.1"), key("192.0.2.1"));
        assert_ne!(key("192.0.2.1"), key("192.0.2.2"));
    }

    #[test]
    fn one_64_network_shares_one_allowance() {
        let limiter = ClientLimiter::new(RateLimit {
            per_minute: NonZeroU32::new(1).unwrap(),
            burst: NonZeroU32::new(2).unwrap(),
        });
        let addrs = ["2001:db8::1", "2001:db8::2", "2001:db8::3"];
        let results: Vec<bool> = addrs
            .iter()
            .map(|a| limiter.check(a.parse().unwrap()).is_ok())
            .collect();
        assert_eq!(results, [true, true, false]);
    }

    #[test]
    fn auth_failures_lock_a_client_out_for_the_window() {
        let failures = AuthFailures::new();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..AuthFailures::MAX {
            assert!(failures.check(a).is_ok());
            failures.fail(a);
        }
        assert!(failures.check(a).is_err());
        assert!(failures.check("192.0.2.2".parse().unwrap()).is_ok());
    }

    #[test]
    fn keys_are_salted_and_stable_within_a_day() {
        let one = ClientLimiter::new(RateLimit::default());
        let two = ClientLimiter::new(RateLimit::default());
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        assert_eq!(one.key(a), one.key(a));
        assert_ne!(
            one.key(a),
            two.key(a),
            "different salts give different keys"
        );
    }
}
