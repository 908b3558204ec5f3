//! The yasno survey widget: a Yew form compiled to WebAssembly that takes over the plain HTML
//! survey form of a service page.
//!
//! The page owns the contract (see `COMMON.md`): a `section#survey` holds a
//! `script.survey-data` with the survey definition as JSON and a `form.survey` that works
//! without JavaScript. On start the widget:
//! 1. sends answers left unacknowledged by an earlier visit ([`outbox`]);
//! 2. reads the definition ([`page`]), keeping what the visitor already chose in the plain form;
//! 3. mounts the accessible Yew form ([`form`]) in place of the plain one, with the
//!    properties ([`props`]) the page reader made.
//!
//! If anything in the page is missing or malformed the widget leaves the plain form alone:
//! the page keeps working, which is the one invariant that matters.

pub mod form;
pub mod outbox;
pub mod page;
pub mod props;
pub mod text;

use wasm_bindgen::prelude::*;

// talc instead of the default dlmalloc: the same job in fewer bytes of wasm. The widget runs
// single-threaded (no `atomics`), which the dynamic talc allocator requires.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// Entry point, run by wasm-bindgen once the module is instantiated (the loader calls the
/// generated `init`).
#[wasm_bindgen(start)]
pub fn start() {
    // Panics abort the module; without a hook the page stays as it is (the plain form).
    yew::set_custom_panic_hook(Box::new(|_| {}));
    let Some(found) = page::find() else { return };
    // If the data is broken or the form missing, the page stays as it is.
    let mounted = page::take_over(&found);
    // Answers left by earlier visits go out in the background, through this page's endpoint,
    // even when the survey here cannot be drawn.
    let endpoint = match &mounted {
        Some(m) => Some(m.props.data.endpoint.clone()),
        None => found.endpoint(),
    };
    if let Some(endpoint) = endpoint {
        outbox::flush(endpoint);
    }
    let Some(mounted) = mounted else { return };
    yew::Renderer::<form::SurveyForm>::with_root_and_props(mounted.root, mounted.props).render();
}
