//! The JSON body extractor every route uses. It exists so that each way a body can be
//! wrong gets the documented answer: a wrong content type or broken JSON is 400
//! `INVALID_JSON`, a body over 64 KiB is 413 `PAYLOAD_TOO_LARGE`, and JSON of the wrong
//! shape is 422 `VALIDATION_ERROR` naming the field (via `serde_path_to_error`).

use actix_web::{dev::Payload, http::header, web::BytesMut, FromRequest, HttpRequest};
use futures_util::{future::LocalBoxFuture, StreamExt};
use serde::de::DeserializeOwned;

use crate::{
    core::{ApiError, ErrorCode},
    domain::validation::FieldError,
};

/// Largest accepted request body.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// A JSON request body of type `T`.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let checked = check_headers(req);
        let mut payload = payload.take();
        Box::pin(async move {
            checked?;
            let mut body = BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|_| {
                    ApiError::with_detail(
                        ErrorCode::InvalidJson,
                        "The request body could not be read",
                    )
                })?;
                if body.len() + chunk.len() > MAX_BODY_BYTES {
                    return Err(too_large());
                }
                body.extend_from_slice(&chunk);
            }
            parse(&body).map(Json)
        })
    }
}

fn too_large() -> ApiError {
    ApiError::with_detail(
        ErrorCode::PayloadTooLarge,
        format!("The request body is larger than {MAX_BODY_BYTES} bytes"),
    )
}

/// A missing content type is accepted (many simple clients omit it); any other than
/// JSON is refused, as is a declared length over the limit.
fn check_headers(req: &HttpRequest) -> Result<(), ApiError> {
    if let Some(value) = req.headers().get(header::CONTENT_TYPE) {
        let essence = value
            .to_str()
            .unwrap_or_default()
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        if essence != "application/json" && !essence.ends_with("+json") {
            return Err(ApiError::with_detail(
                ErrorCode::InvalidJson,
                "Content-Type must be application/json",
            ));
        }
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > MAX_BODY_BYTES) {
        return Err(too_large());
    }
    Ok(())
}

/// Parses in two steps so the two kinds of fault stay apart: text that is not JSON at
/// all (400), then JSON of the wrong shape (422), whichever comes first in the text.
/// A body that is JSON but not an object is of the wrong shape.
fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let json: serde_json::Value = serde_json::from_slice(body).map_err(|err| {
        ApiError::with_detail(
            ErrorCode::InvalidJson,
            format!("The request body is not valid JSON: {err}"),
        )
    })?;
    // Every body of the API is an object; serde would also read a struct from an
    // array, by position.
    if !json.is_object() {
        return Err(ApiError::validation(vec![FieldError::new(
            "body",
            "must be a JSON object",
        )]));
    }
    serde_path_to_error::deserialize(json).map_err(|err| {
        ApiError::validation(vec![field_error(&err.path().to_string(), err.inner())])
    })
}

/// Names the field of a shape error. serde reports a missing field at the path of the
/// object that lacks it, with the field's name in backticks in the message; every other
/// error (an unknown field included) at the path of the field itself.
fn field_error(path: &str, err: &serde_json::Error) -> FieldError {
    let message = err.to_string();
    let message = message.split(" at line ").next().unwrap_or_default();
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next());
    match (missing, path) {
        (Some(name), ".") => FieldError::new(name, "is required"),
        (Some(name), parent) => FieldError::new(format!("{parent}.{name}"), "is required"),
        (None, ".") => FieldError::new("body", message),
        (None, _) if message.starts_with("unknown field") => {
            FieldError::new(path, "is not a known field")
        }
        (None, _) => FieldError::new(path, message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        email: String,
        age: Option<u8>,
    }

    fn refusal(body: &str) -> (ErrorCode, String) {
        let err = parse::<Body>(body.as_bytes()).unwrap_err();
        let field = err
            .body()
            .errors
            .map(|e| e[0].field.clone())
            .unwrap_or_default();
        (err.code(), field)
    }

    #[test]
    fn shape_errors_name_the_field() {
        assert_eq!(refusal("{}"), (ErrorCode::ValidationError, "email".into()));
        assert_eq!(
            refusal(r#"{"email":"a","x":1}"#),
            (ErrorCode::ValidationError, "x".into())
        );
        assert_eq!(
            refusal(r#"{"email":"a","age":"old"}"#),
            (ErrorCode::ValidationError, "age".into())
        );
        assert_eq!(refusal("[]"), (ErrorCode::ValidationError, "body".into()));
    }

    #[test]
    fn broken_json_is_invalid_json() {
        for body in ["", "{", r#"{"email":"a"} trailing"#, "nul"] {
            assert_eq!(refusal(body).0, ErrorCode::InvalidJson, "{body}");
        }
    }
}
