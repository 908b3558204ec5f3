//! schema.org structured data: `GovernmentService` for each service and `FAQPage` for its
//! questions, serialized once per page and embedded as JSON-LD.

use serde_json::json;

use super::views::{ContactsView, script_json};
use crate::site::{Service, Site};

/// The JSON-LD graph of a service page, safe to put inside `<script>`.
pub fn service(site: &Site, svc: &Service, contacts: &ContactsView, url: &str) -> String {
    let s = &site.settings;
    let page_url = format!("{}{}", s.base_url, url);
    let mut graph = vec![json!({
        "@type": "GovernmentService",
        "name": svc.meta.title,
        "description": svc.meta.summary,
        "url": page_url,
        "serviceType": svc.meta.category,
        "areaServed": { "@type": "AdministrativeArea", "name": "Санкт-Петербург" },
        "provider": {
            "@type": "GovernmentOrganization",
            "name": s.name,
            "url": s.base_url,
            "telephone": contacts.tel,
            "email": contacts.email,
        },
        "availableChannel": {
            "@type": "ServiceChannel",
            "servicePhone": { "@type": "ContactPoint", "telephone": contacts.tel, "hoursAvailable": contacts.phone_hours },
            "serviceLocation": { "@type": "Place", "address": svc.reception.address },
            "serviceUrl": page_url,
        },
    })];
    if !svc.meta.faq.is_empty() {
        graph.push(json!({
            "@type": "FAQPage",
            "mainEntity": svc.meta.faq.iter().map(|f| json!({
                "@type": "Question",
                "name": f.q,
                "acceptedAnswer": { "@type": "Answer", "text": f.a },
            })).collect::<Vec<_>>(),
        }));
    }
    script_json(&json!({ "@context": "https://schema.org", "@graph": graph }))
}
