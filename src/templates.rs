//! The minijinja environment shared by every template: undefined
//! variables are errors, never empty text.

use minijinja::{Environment, UndefinedBehavior, Value};

/// Instructions one render may run before it is stopped, so a template
/// that loops without bound fails instead of hanging the build.
const FUEL: u64 = 2_000_000;

/// Maximum length in bytes of what one template renders.
pub const MAX_OUTPUT: usize = 128 * 1024;

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_keep_trailing_newline(true);
    env.set_fuel(Some(FUEL));
    env
}

/// Checks that `source` parses as a template.
pub fn check_syntax(source: &str) -> Result<(), String> {
    environment()
        .template_from_str(source)
        .map(|_| ())
        .map_err(|error| describe(&error))
}

/// Renders `source` with `context`.
pub fn render(source: &str, context: &Value) -> Result<String, String> {
    let env = environment();
    let template = env
        .template_from_str(source)
        .map_err(|error| describe(&error))?;
    let text = template.render(context).map_err(|error| describe(&error))?;
    if text.len() > MAX_OUTPUT {
        return Err(format!(
            "the result is {} bytes long, more than the limit of {MAX_OUTPUT}",
            text.len()
        ));
    }
    Ok(text)
}

fn describe(error: &minijinja::Error) -> String {
    if error.kind() == minijinja::ErrorKind::OutOfFuel {
        return format!(
            "the template ran more than {FUEL} steps, so it was stopped; \
             look for a loop over a very large range"
        );
    }
    let mut text = error.kind().to_string();
    if let Some(detail) = error.detail() {
        text.push_str(": ");
        text.push_str(detail);
    }
    if let Some(line) = error.line() {
        text.push_str(&format!(" (template line {line})"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undefined_variables_are_errors() {
        let context = minijinja::context! { office => "acme" };
        assert_eq!(render("{{ office }}-x", &context).unwrap(), "acme-x");
        let error = render("{{ offce }}", &context).unwrap_err();
        assert!(error.contains("undefined"), "{error}");
    }

    #[test]
    fn endless_loops_are_stopped() {
        let context = minijinja::context! {};
        let source = "{% for a in range(10000) %}{% for b in range(10000) %}\
                      {% for c in range(10000) %}x{% endfor %}{% endfor %}{% endfor %}";
        let error = render(source, &context).unwrap_err();
        assert!(error.contains("steps"), "{error}");
    }

    #[test]
    fn oversized_output_is_an_error() {
        let context = minijinja::context! {};
        let source = "{% for a in range(1000) %}{{ \"x\" * 200 }}{% endfor %}";
        let error = render(source, &context).unwrap_err();
        assert!(error.contains("more than the limit"), "{error}");
    }

    #[test]
    fn syntax_errors_are_reported() {
        assert!(check_syntax("{{ office ").is_err());
        assert!(check_syntax("{{ office }}").is_ok());
    }
}
