//! Every failure that crosses into JavaScript, mapped in one place, and the list of every
//! error code (`errorCodes()`).
//!
//! A failure is thrown as a JavaScript `Error` whose `message` is the failure's text and
//! whose `code` is its stable code; a wire-format failure also carries `offset`, and `tag`
//! and `field` when it has them. The TypeScript facade picks its typed class by `code`
//! (ts/src/errors.ts), and tests its code list against [`error_codes`].

use std::cell::Cell;
use std::ptr;

use napi::bindgen_prelude::{JsObjectValue, Object};
use napi::{sys, Env, JsValue, Status};
use napi_derive::napi;
use pqwire_core::Error;

/// Codes the core never returns: a bug (`INTERNAL`), a JavaScript value of the wrong type
/// (`INVALID_TYPE`, also found by the facade), and a changed peer identity
/// (`IDENTITY_CHANGED`: identities are pinned by the facade's stores).
const OWN_CODES: [(&str, &str); 3] = [
    ("INTERNAL", "internal"),
    ("INVALID_TYPE", "malformed-input"),
    ("IDENTITY_CHANGED", "key-management"),
];

/// What a binding call failed with, on its way to becoming a JavaScript error.
pub struct Failure {
    code: &'static str,
    message: String,
    wire: Option<WireSpot>,
}

/// The result of a binding step that can fail with a core error or one of the bindings' own.
pub type Fallible<T> = Result<T, Failure>;

/// Where a wire-format rule fired.
struct WireSpot {
    offset: usize,
    tag: Option<u16>,
    field: Option<&'static str>,
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        let wire = match &e {
            Error::Wire(w) => Some(WireSpot {
                offset: w.offset,
                tag: w.tag,
                field: w.field,
            }),
            _ => None,
        };
        Failure {
            code: e.code(),
            message: e.to_string(),
            wire,
        }
    }
}

impl From<pqwire_core::wire::WireError> for Failure {
    fn from(e: pqwire_core::wire::WireError) -> Self {
        Error::Wire(e).into()
    }
}

impl Failure {
    /// A bug inside pqwire (`INTERNAL`): a caught panic, a lock poisoned by one.
    pub(crate) fn internal(what: &str) -> Self {
        Self::plain("INTERNAL", what.to_string())
    }

    /// A JavaScript value of the wrong type (`INVALID_TYPE`).
    pub(crate) fn wrong_type(message: String) -> Self {
        Self::plain("INVALID_TYPE", message)
    }

    /// An argument out of range, in words that name its value (`INVALID_ARGUMENT`).
    pub(crate) fn invalid_argument(message: String) -> Self {
        Self::plain("INVALID_ARGUMENT", message)
    }

    /// A failure with its own stable code (a group error's, `UNKNOWN_SUITE` of a name).
    pub(crate) fn coded(code: &'static str, message: String) -> Self {
        Self::plain(code, message)
    }

    fn plain(code: &'static str, message: String) -> Self {
        Failure {
            code,
            message,
            wire: None,
        }
    }

    /// The same failure, its message prefixed with the list entry it is about
    /// (`trustedClients[2]: …`).
    pub(crate) fn in_entry(mut self, entry: &str) -> Self {
        self.message = format!("{entry}: {}", self.message);
        self
    }

    /// The JavaScript `Error` for this failure, made in `env`.
    pub(crate) fn into_js(self, env: &Env) -> napi::Error {
        let made = env
            .create_error(napi::Error::new(Status::GenericFailure, &self.message))
            .and_then(|mut error| {
                self.describe(&mut error)?;
                Ok(napi::Error::from_unknown_without_coercion(
                    error.to_unknown(),
                ))
            });
        made.unwrap_or_else(|_| self.detached())
    }

    /// Sets `code` and, for a wire rule, `offset`, `tag` and `field` on `error`.
    fn describe(&self, error: &mut Object) -> napi::Result<()> {
        error.set_named_property("code", self.code)?;
        if let Some(w) = &self.wire {
            error.set_named_property("offset", w.offset as f64)?;
            if let Some(tag) = w.tag {
                error.set_named_property("tag", u32::from(tag))?;
            }
            if let Some(field) = w.field {
                error.set_named_property("field", field)?;
            }
        }
        Ok(())
    }

    /// The error without an environment to make it in (it never happens on a JavaScript
    /// thread): the text only, which the facade reports as `INTERNAL`.
    fn detached(self) -> napi::Error {
        napi::Error::new(
            Status::GenericFailure,
            format!("{} ({})", self.message, self.code),
        )
    }
}

thread_local! {
    /// This thread's Node-API environment, set when the addon is loaded on it. Node runs
    /// one environment per JavaScript thread (the main thread, each worker), which
    /// napi-rs relies on too; keeping it here spares every exported function an `Env`
    /// parameter only its error path would use.
    static ENV: Cell<sys::napi_env> = const { Cell::new(ptr::null_mut()) };
}

/// Remembers the loading thread's environment, for [`to_js`].
#[napi(module_exports)]
pub fn remember_env(_exports: Object, env: Env) -> napi::Result<()> {
    ENV.with(|e| e.set(env.raw()));
    Ok(())
}

/// Converts a failure into the JavaScript error to throw. Called on the JavaScript thread
/// (thread-pool tasks convert theirs in `Task::resolve`, see task.rs).
pub(crate) fn to_js(e: impl Into<Failure>) -> napi::Error {
    let failure = e.into();
    let raw = ENV.with(Cell::get);
    if raw.is_null() {
        failure.detached()
    } else {
        failure.into_js(&Env::from_raw(raw))
    }
}

/// Shorthand: run a core operation and map its error.
pub(crate) fn js<T, E: Into<Failure>>(r: Result<T, E>) -> napi::Result<T> {
    r.map_err(to_js)
}

/// One error code, as `errorCodes()` lists it.
#[napi(object)]
pub struct NativeErrorCode {
    /// The stable code (`AUTH_FAILED`).
    pub code: String,
    /// Its cause group (DESIGN.md "Errors and bad input").
    #[napi(
        ts_type = "'malformed-input' | 'authentication' | 'policy' | 'replay' | 'state' | 'key-management' | 'backend' | 'internal'"
    )]
    pub kind: String,
    /// Whether it is (also) a rule of the wire format, reported with `offset`.
    pub wire_rule: bool,
}

/// Every error code pqwire reports, with its cause group: the core's codes, then the
/// bindings' and the facade's own.
///
/// ```js
/// errorCodes().find((c) => c.code === 'TAG_ORDER'); // { code, kind: 'malformed-input', wireRule: true }
/// ```
#[napi(catch_unwind)]
pub fn error_codes() -> Vec<NativeErrorCode> {
    let wire_rule = |code: &str| {
        pqwire_core::wire::WireErrorCode::ALL
            .iter()
            .any(|c| c.as_str() == code)
    };
    let core: Vec<(&str, &str)> = Error::codes()
        .into_iter()
        .map(|(code, kind)| (code, kind.name()))
        .chain(OWN_CODES)
        .collect();
    // MLS groups' own codes (pqwire-mls); those it shares with the core are listed once.
    let groups: Vec<(&str, &str)> = pqwire_mls::GroupCode::ALL
        .iter()
        .map(|c| (c.as_str(), c.kind().map_or("internal", |k| k.name())))
        .filter(|(code, _)| !core.iter().any(|(c, _)| c == code))
        .collect();
    core.into_iter()
        .chain(groups)
        .map(|(code, kind)| NativeErrorCode {
            code: code.to_string(),
            kind: kind.to_string(),
            wire_rule: wire_rule(code),
        })
        .collect()
}
