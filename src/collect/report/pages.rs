//! "Is this page useful?": votes per page, the pages with the most "no" first.

use std::collections::BTreeMap;

use serde::Serialize;

use super::super::control_store::PageVote;
use super::figures::{ddmmyyyy, utc_date};
use super::mask::mask_contacts;
use super::stats::Share;

/// Texts shown per page; all of them are in `pages.csv`.
const TEXTS: usize = 3;

/// A "what was wrong" text, masked, with its day.
#[derive(Debug, Clone, Serialize)]
pub struct VoteText {
    /// Day, `DD.MM.YYYY`.
    pub date: String,
    /// The text, contacts masked.
    pub text: String,
}

/// Votes of one page.
#[derive(Debug, Clone, Serialize)]
pub struct PageVotes {
    /// Site path, e.g. `/contacts/`.
    pub page: String,
    /// "Yes" votes.
    pub yes: usize,
    /// "No" votes.
    pub no: usize,
    /// Share of "no" with its interval.
    pub no_share: Share,
    /// "No" votes the period before.
    pub prev_no: usize,
    /// The first "what was wrong" texts, masked, with their day.
    pub texts: Vec<VoteText>,
    /// Every text, masked (for the CSV).
    #[serde(skip)]
    pub all_texts: Vec<VoteText>,
}

/// Votes by page, most "no" first (then by share of "no", then by path).
pub fn page_votes(now: &[PageVote], before: &[PageVote]) -> Vec<PageVotes> {
    let mut pages: BTreeMap<&str, PageVotes> = BTreeMap::new();
    for v in now {
        let p = pages.entry(&v.page).or_insert_with(|| empty(&v.page));
        if v.useful {
            p.yes += 1;
        } else {
            p.no += 1;
        }
        if !v.text.trim().is_empty() {
            let text = VoteText {
                date: ddmmyyyy(utc_date(v.received_at)),
                text: mask_contacts(&v.text),
            };
            if p.texts.len() < TEXTS {
                p.texts.push(text.clone());
            }
            p.all_texts.push(text);
        }
    }
    for v in before.iter().filter(|v| !v.useful) {
        pages
            .entry(&v.page)
            .or_insert_with(|| empty(&v.page))
            .prev_no += 1;
    }
    let mut list: Vec<PageVotes> = pages
        .into_values()
        .map(|mut p| {
            p.no_share = Share::of(p.no, p.yes + p.no);
            p
        })
        .collect();
    list.sort_by(|a, b| {
        b.no.cmp(&a.no)
            .then(
                b.no_share
                    .value
                    .partial_cmp(&a.no_share.value)
                    .unwrap_or(std::cmp::Ordering::Equal),
            )
            .then(a.page.cmp(&b.page))
    });
    list
}

fn empty(page: &str) -> PageVotes {
    PageVotes {
        page: page.to_owned(),
        yes: 0,
        no: 0,
        no_share: Share::of(0, 0),
        prev_no: 0,
        texts: Vec::new(),
        all_texts: Vec::new(),
    }
}
