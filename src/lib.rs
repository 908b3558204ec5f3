//! yasno turns a folder of Markdown into an accessible, plain-language public-service website.
//!
//! The pipeline runs one way: [`site`] loads and validates content into a typed model,
//! `check` finds plain-language and accessibility problems, [`render`] turns the model into
//! pages, and [`output`] writes them atomically.
