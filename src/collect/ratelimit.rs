//! Per-client rate limit that never keeps an address on disk.
//!
//! Invariants: the limiter is keyed by an HMAC-SHA256 of the client address with a random
//! salt that lives only in memory and is replaced every UTC day, so a key cannot be turned
//! back into an address, and keys from different days cannot be linked. The counting itself
//! is `governor`'s keyed GCRA limiter.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

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

/// A keyed rate limiter whose keys are salted HMACs of client addresses.
pub(crate) struct ClientLimiter {
    limiter: DefaultKeyedRateLimiter<Key>,
    salt: Mutex<DaySalt>,
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

impl ClientLimiter {
    /// A limiter with the given quota and a fresh salt.
    pub(crate) fn new(limit: RateLimit) -> Self {
        let quota = Quota::per_minute(limit.per_minute).allow_burst(limit.burst);
        Self {
            limiter: DefaultKeyedRateLimiter::keyed(quota),
            salt: Mutex::new(DaySalt {
                day: utc_day(),
                salt: fresh_salt(),
            }),
            checks: AtomicU64::new(0),
        }
    }

    fn key(&self, addr: IpAddr) -> Key {
        let today = utc_day();
        let salt = {
            let mut current = self.salt.lock().unwrap_or_else(|e| e.into_inner());
            if current.day != today {
                // A new day: a new salt, and yesterday's keys are forgotten.
                *current = DaySalt {
                    day: today,
                    salt: fresh_salt(),
                };
                self.limiter.retain_recent();
            }
            current.salt
        };
        let mut mac = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(&salt)
            .expect("HMAC takes a key of any length");
        match addr {
            IpAddr::V4(a) => mac.update(&a.octets()),
            IpAddr::V6(a) => mac.update(&a.octets()),
        }
        let digest = mac.finalize().into_bytes();
        let mut key = [0u8; 16];
        key.copy_from_slice(&digest[..16]);
        key
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
