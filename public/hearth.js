// Hearth loader. A clinic adds one tag:
//   <script src="https://clinic.example/hearth/hearth.js" data-clinic="/clinic.json" defer></script>
// and places <hearth-widget data-mode="inline|launcher|page"></hearth-widget> where it wants
// it (data-mode="clinician" is the clinician console, served at /clinician/). The element's
// data attributes: data-mode (or mode), data-clinic (overrides the script's), data-label
// (the launcher button's text). See docs/embedding.md.
//
// The loader defines that element, gives it a shadow root so the host page's styles cannot
// reach the widget, links the widget's stylesheet inside it, and starts the WebAssembly app.
// It never runs inline code and never writes style attributes, so it works under a strict
// Content-Security-Policy (script-src 'self' 'wasm-unsafe-eval'; style-src 'self').
(() => {
  "use strict";
  const script = document.currentScript;
  if (!script || customElements.get("hearth-widget")) return;
  const base = new URL(".", script.src);
  const clinicOf = (element) => {
    const url = element.dataset.clinic || script.dataset.clinic;
    return url ? new URL(url, document.baseURI).href : "";
  };

  // The patient widget and the clinician console are separate modules: patients never
  // download the console.
  const modules = {};
  const loadApp = (name) => {
    modules[name] ??= import(new URL(`${name}.js`, base).href).then(async (module) => {
      await module.default({ module_or_path: new URL(`${name}_bg.wasm`, base) });
      return module;
    });
    return modules[name];
  };

  const el = (tag, props = {}, children = []) => {
    const node = document.createElement(tag);
    Object.assign(node, props);
    node.append(...children);
    return node;
  };

  // Shown only if the app cannot start at all: the crisis numbers must never depend on it.
  const fallback = () =>
    el("div", { className: "hearth-fallback", role: "alert" }, [
      el("p", { textContent: "Hearth could not start in this browser." }),
      el("p", {
        textContent:
          "If you are in danger, call your local emergency number now (911 in the US and Canada, " +
          "999 in the UK, 112 in Ireland and the EU, 000 in Australia, 111 in New Zealand). " +
          "In the US or Canada you can call or text 988; in the UK or Ireland call Samaritans on 116 123.",
      }),
    ]);

  const start = (mountPoint, clinicUrl, clinician = false) =>
    loadApp(clinician ? "hearth_console" : "hearth_widget")
      .then((module) =>
        (clinician ? module.mount_console : module.mount)(mountPoint, clinicUrl, new URL("./", base).href),
      )
      .catch((error) => {
        console.error("Hearth failed to start", error);
        mountPoint.replaceChildren(fallback());
      });

  class HearthWidget extends HTMLElement {
    connectedCallback() {
      if (this.shadowRoot) return;
      const root = this.attachShadow({ mode: "open" });
      root.append(el("link", { rel: "stylesheet", href: new URL("hearth.css", base).href }));
      const mode = this.dataset.mode || this.getAttribute("mode") || "inline";
      const clinicUrl = clinicOf(this);
      const label = this.dataset.label || "Support";
      const mountPoint = el("div", { className: "hearth-root" });

      if (mode !== "launcher") {
        const known = ["inline", "page", "clinician"].includes(mode) ? mode : "inline";
        root.append(el("div", { className: `hearth-frame hearth-${known}` }, [mountPoint]));
        start(mountPoint, clinicUrl, known === "clinician");
        return;
      }

      const panel = el("div", { className: "hearth-frame hearth-panel", id: "hearth-panel", hidden: true, tabIndex: -1 }, [mountPoint]);
      panel.setAttribute("role", "region");
      panel.setAttribute("aria-label", "Hearth support");
      const button = el("button", { type: "button", className: "hearth-launcher", textContent: label });
      button.setAttribute("aria-expanded", "false");
      button.setAttribute("aria-controls", "hearth-panel");
      button.setAttribute("aria-label", "Open Hearth support");
      let started = false;
      const setOpen = (open) => {
        panel.hidden = !open;
        button.setAttribute("aria-expanded", String(open));
        button.setAttribute("aria-label", open ? "Close Hearth support" : "Open Hearth support");
        button.textContent = open ? "Close" : label;
        if (open && !started) {
          started = true;
          start(mountPoint, clinicUrl);
        }
        if (open) panel.focus();
      };
      button.addEventListener("click", () => setOpen(panel.hidden));
      root.addEventListener("keydown", (event) => {
        if (event.key === "Escape" && !panel.hidden) {
          setOpen(false);
          button.focus();
        }
      });
      root.append(panel, button);
    }
  }

  customElements.define("hearth-widget", HearthWidget);
})();
