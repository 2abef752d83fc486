//! Field-level validation that reports every failing field at once.

use serde::Serialize;

/// One entry of the `errors` list of a 422.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Collects failures while each field is parsed, so the caller learns of all of them.
#[derive(Debug, Default)]
pub struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    /// Keeps the value, or records `field`'s message and yields `None`.
    pub fn check<T>(&mut self, field: &str, parsed: Result<T, String>) -> Option<T> {
        parsed
            .map_err(|message| self.errors.push(FieldError::new(field, message)))
            .ok()
    }

    /// Like [`Validator::check`] for an optional input.
    pub fn check_opt<T, U>(
        &mut self,
        field: &str,
        input: Option<T>,
        parse: impl FnOnce(T) -> Result<U, String>,
    ) -> Option<Option<U>> {
        match input {
            None => Some(None),
            Some(value) => self.check(field, parse(value)).map(Some),
        }
    }

    /// Every failure recorded. Callers destructure the parsed `Option`s with
    /// `let (Some(a), Some(b)) = … else { … }`: one is `None` exactly when a failure
    /// was recorded, so the `else` branch always has something to report.
    pub fn into_errors(self) -> Vec<FieldError> {
        self.errors
    }
}

/// Checks a length in characters (not bytes), with a message naming the bounds.
pub fn chars_within(text: &str, min: usize, max: usize) -> Result<(), String> {
    let count = text.chars().count();
    if (min..=max).contains(&count) {
        Ok(())
    } else if min == 0 {
        Err(format!("must be at most {max} characters"))
    } else {
        Err(format!("must be {min} to {max} characters"))
    }
}

pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_DESCRIPTION_CHARS: usize = 1000;

/// A name shown to people (a client's, a room's): 1 to 100 characters, not only
/// white space.
pub fn parse_name(text: String) -> Result<String, String> {
    if text.trim().is_empty() {
        return Err("must not be empty".to_owned());
    }
    chars_within(&text, 1, MAX_NAME_CHARS).map(|()| text)
}

/// A free-text description: at most 1000 characters.
pub fn parse_description(text: String) -> Result<String, String> {
    chars_within(&text, 0, MAX_DESCRIPTION_CHARS).map(|()| text)
}
