//! The report as one self-contained HTML page.

use serde::Serialize;

use super::{Report, Section};

impl Report {
    /// The report as one self-contained HTML page.
    pub fn to_html(&self) -> String {
        let mut tera = tera::Tera::new();
        tera.add_raw_template("report.html", include_str!("report.html"))
            .expect("the built-in report template parses");
        #[derive(Serialize)]
        struct View<'a> {
            #[serde(flatten)]
            report: &'a Report,
            sections: Vec<&'a Section>,
        }
        let view = View {
            report: self,
            sections: self.sections().collect(),
        };
        let context = tera::Context::from_serialize(&view).expect("the report serializes");
        tera.render("report.html", &context)
            .expect("the built-in report template renders")
    }
}
