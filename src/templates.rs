//! The minijinja environment shared by every template: undefined
//! variables are errors, never empty text.

use minijinja::{Environment, UndefinedBehavior, Value};

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_keep_trailing_newline(true);
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
    template.render(context).map_err(|error| describe(&error))
}

fn describe(error: &minijinja::Error) -> String {
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
    fn syntax_errors_are_reported() {
        assert!(check_syntax("{{ office ").is_err());
        assert!(check_syntax("{{ office }}").is_ok());
    }
}
