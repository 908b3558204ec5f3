//! Who the client is behind reverse proxies: only hops the operator trusts may say.
//!
//! Invariant: an `X-Forwarded-For` entry is believed only when every hop nearer than it is a
//! trusted proxy; the leftmost entries, which the client writes itself, are never believed
//! just for being there.

use std::net::IpAddr;
use std::num::NonZeroU32;

/// Which hops in front of the collector may say who the client is (`X-Forwarded-For`).
///
/// Each proxy appends the address it got the request from, so only the rightmost entries
/// were written by proxies; the leftmost ones were written by the client and prove nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum TrustedProxies {
    /// No proxy: the client is the TCP peer and `X-Forwarded-For` is ignored.
    #[default]
    None,
    /// This many proxies in a row, the TCP peer being the nearest.
    Count(NonZeroU32),
    /// Proxies by address or network (`10.0.0.0/8`): a hop is skipped only when it is one.
    List(Vec<(IpAddr, u8)>),
}

impl std::str::FromStr for TrustedProxies {
    type Err = String;

    /// `0` (none), a count like `1`, or a comma-separated list of addresses and networks.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if let Ok(n) = text.parse::<u32>() {
            return Ok(NonZeroU32::new(n).map_or(Self::None, Self::Count));
        }
        let mut list = Vec::new();
        for item in text.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let (addr, bits) = item.split_once('/').unwrap_or((item, ""));
            let addr: IpAddr = addr.parse().map_err(|_| {
                format!("«{item}» не адрес / not an address: expected a count (1), or addresses like 10.0.0.1 or 10.0.0.0/8")
            })?;
            let max = if addr.is_ipv4() { 32 } else { 128 };
            let bits = if bits.is_empty() {
                max
            } else {
                bits.parse::<u8>()
                    .ok()
                    .filter(|b| *b <= max)
                    .ok_or_else(|| {
                        format!(
                            "«{item}»: длина префикса 0..{max} / prefix length must be 0..{max}"
                        )
                    })?
            };
            list.push((addr, bits));
        }
        if list.is_empty() {
            return Err(
                "нужно число или список адресов / expected a count or a list of addresses".into(),
            );
        }
        Ok(Self::List(list))
    }
}

fn in_network(addr: IpAddr, (net, bits): (IpAddr, u8)) -> bool {
    let prefix = |a: &[u8], b: &[u8]| {
        let bits = usize::from(bits);
        let (whole, rest) = (bits / 8, bits % 8);
        a[..whole] == b[..whole]
            && (rest == 0 || (a[whole] ^ b[whole]) & (0xffu8 << (8 - rest)) == 0)
    };
    match (addr, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => prefix(&a.octets(), &n.octets()),
        (IpAddr::V6(a), IpAddr::V6(n)) => prefix(&a.octets(), &n.octets()),
        _ => false,
    }
}

impl TrustedProxies {
    /// The client's address given the TCP peer and the `X-Forwarded-For` values: the
    /// rightmost hop that is not a trusted proxy. An entry that does not parse where the
    /// client should be, or a chain shorter than the proxies configured, gives the nearest
    /// address we can vouch for, never one further left.
    pub fn client(&self, peer: IpAddr, forwarded: &[&str]) -> IpAddr {
        // Hops from the nearest: the peer, then the header's entries right to left.
        let hops = forwarded
            .iter()
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect::<Vec<_>>();
        match self {
            Self::None => peer,
            Self::Count(n) => {
                let skip = n.get() as usize - 1;
                match hops.len().checked_sub(skip + 1).map(|i| hops[i]) {
                    Some(entry) => entry.parse().unwrap_or(peer),
                    None => peer,
                }
            }
            Self::List(list) => {
                let trusted = |a: IpAddr| list.iter().any(|n| in_network(a, *n));
                let mut client = peer;
                for entry in hops.iter().rev() {
                    if !trusted(client) {
                        break;
                    }
                    match entry.parse() {
                        Ok(a) => client = a,
                        Err(_) => break,
                    }
                }
                client
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_is_the_rightmost_untrusted_hop() {
        let peer: IpAddr = "10.0.0.1".parse().unwrap();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let forged = ["1.1.1.1, 6.6.6.6", "203.0.113.7"];
        assert_eq!(TrustedProxies::None.client(peer, &forged), peer);
        let one: TrustedProxies = "1".parse().unwrap();
        assert_eq!(one.client(peer, &forged), ip("203.0.113.7"));
        let two: TrustedProxies = "2".parse().unwrap();
        assert_eq!(two.client(peer, &forged), ip("6.6.6.6"));
        assert_eq!(one.client(peer, &[]), peer, "no header: the peer");
        assert_eq!(two.client(peer, &["junk"]), peer, "short chain: the peer");
        assert_eq!(one.client(peer, &["1.1.1.1, junk"]), peer);
        let list: TrustedProxies = "10.0.0.0/8, 192.0.2.5".parse().unwrap();
        assert_eq!(
            list.client(peer, &["1.1.1.1, 203.0.113.7, 192.0.2.5"]),
            ip("203.0.113.7")
        );
        let outsider: IpAddr = "198.51.100.1".parse().unwrap();
        assert_eq!(
            list.client(outsider, &["1.1.1.1"]),
            outsider,
            "untrusted peer"
        );
        assert_eq!("0".parse::<TrustedProxies>().unwrap(), TrustedProxies::None);
        assert!("10.0.0.1/33".parse::<TrustedProxies>().is_err());
        assert!("proxy.local".parse::<TrustedProxies>().is_err());
    }
}
