//! The widget's entry point. The loader (`public/hearth.js`) calls `hearth::mount` for each
//! `<hearth-widget>` element; starting the module only prepares the runtime.

fn main() {
    hearth::start();
}
