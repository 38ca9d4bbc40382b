//! Test knobs, served only with the hidden `--test-admin` flag:
//! `POST /_admin/<knob>` with a small JSON body (buf-deps.md §6).
//!
//! | knob | body | effect |
//! |---|---|---|
//! | `deny_all` | `{"on":bool}` | every RPC fails with `unavailable` |
//! | `inject_error` | `{"method","code","message","count"}` | the next `count` (default 1) calls of `method` (full `pkg.Service/Method`, or `*`) fail so |
//! | `tamper_digest` | `{"commit":id}` | Commit messages for that commit carry a wrong digest |
//! | `deprecate` | `{"module":"owner/name"}` | the module's state becomes DEPRECATED (stored) |
//! | `next_commit_id` | `{"id":hex32}` | the next new commit gets this ID |
//! | `truncate_next_download` | `{}` | the next successful Download response is cut in half |
//! | `delay` | `{"method","ms"}` | each call of `method` (or `*`) waits `ms` first; 0 removes |
//! | `reset` | `{}` | clears every knob above except `deprecate` |

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use serde_json::Value;

use super::State;
use super::connect::{Code, RpcError};
use super::ids;

#[derive(Debug)]
struct Injected {
    method: String,
    error: RpcError,
    remaining: u64,
}

#[derive(Debug, Default)]
pub struct Knobs {
    deny_all: bool,
    injected: Vec<Injected>,
    pub tampered: HashSet<String>,
    pub next_commit_id: Option<String>,
    pub truncate_next_download: bool,
    delays: HashMap<String, u64>,
}

fn matches(pattern: &str, method: &str) -> bool {
    pattern == "*" || pattern == method
}

impl Knobs {
    /// How long a call of `method` waits before running.
    pub fn delay(&self, method: &str) -> Option<Duration> {
        self.delays
            .iter()
            .filter(|(m, _)| matches(m, method))
            .map(|(_, ms)| Duration::from_millis(*ms))
            .max()
    }

    /// Fails a call of `method` if `deny_all` or an injected error says so.
    pub fn check(&mut self, method: &str) -> Result<(), RpcError> {
        if self.deny_all {
            return Err(RpcError::new(
                Code::Unavailable,
                "the registry is refusing every request (test knob deny_all)",
            ));
        }
        let hit = self
            .injected
            .iter_mut()
            .find(|i| i.remaining > 0 && matches(&i.method, method));
        if let Some(injected) = hit {
            injected.remaining -= 1;
            let error = injected.error.clone();
            self.injected.retain(|i| i.remaining > 0);
            return Err(error);
        }
        Ok(())
    }
}

/// Applies a knob; `Err` is a message for a 400 response.
pub fn apply(state: &State, knob: &str, body: &[u8]) -> Result<(), String> {
    let json: Value = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Object(Default::default())
    } else {
        serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))?
    };
    let str_field = |name: &str| -> Result<String, String> {
        json.get(name)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| format!("knob {knob} needs a string field \"{name}\""))
    };
    match knob {
        "deny_all" => {
            let on = json
                .get("on")
                .and_then(Value::as_bool)
                .ok_or("knob deny_all needs a boolean field \"on\"")?;
            state.with_knobs(|k| k.deny_all = on);
        }
        "inject_error" => {
            let method = str_field("method")?;
            let code = str_field("code")?;
            let code =
                Code::parse(&code).ok_or_else(|| format!("unknown Connect code \"{code}\""))?;
            let message = json
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("injected by the test knob inject_error")
                .to_string();
            let count = json.get("count").and_then(Value::as_u64).unwrap_or(1);
            state.with_knobs(|k| {
                k.injected.push(Injected {
                    method,
                    error: RpcError::new(code, message),
                    remaining: count,
                });
                k.injected.retain(|i| i.remaining > 0);
            });
        }
        "tamper_digest" => {
            let commit = str_field("commit")?;
            let id = ids::normalize(&commit)
                .filter(|id| state.read().commit(id).is_some())
                .ok_or_else(|| format!("commit \"{commit}\" not found"))?;
            state.with_knobs(|k| k.tampered.insert(id));
        }
        "deprecate" => {
            let name = str_field("module")?;
            let (owner, module) = name
                .split_once('/')
                .ok_or_else(|| format!("module \"{name}\" must be owner/name"))?;
            let mut store = state.write();
            let mut found = store
                .module_named(owner, module)
                .cloned()
                .ok_or_else(|| format!("module \"{name}\" not found"))?;
            found.state = crate::registry::proto::v1::MODULE_STATE_DEPRECATED;
            found.update_time = super::store::Time::now();
            store.put_module(found).map_err(|e| e.to_string())?;
        }
        "next_commit_id" => {
            let id = str_field("id")?;
            let ok = id.len() == 32 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
            if !ok {
                return Err(format!(
                    "\"{id}\" is not a dashless lower-case 32-hex commit ID"
                ));
            }
            if state.read().id_taken(&id) {
                return Err(format!("ID \"{id}\" is already taken"));
            }
            state.with_knobs(|k| k.next_commit_id = Some(id));
        }
        "truncate_next_download" => state.with_knobs(|k| k.truncate_next_download = true),
        "delay" => {
            let method = str_field("method")?;
            let ms = json
                .get("ms")
                .and_then(Value::as_u64)
                .ok_or("knob delay needs a number field \"ms\"")?;
            state.with_knobs(|k| {
                if ms == 0 {
                    k.delays.remove(&method);
                } else {
                    k.delays.insert(method, ms);
                }
            });
        }
        "reset" => state.with_knobs(|k| *k = Knobs::default()),
        other => return Err(format!("unknown knob \"{other}\"")),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn injected_errors_run_out() {
        let mut knobs = Knobs::default();
        knobs.injected.push(Injected {
            method: "a.S/M".into(),
            error: RpcError::new(Code::Internal, "boom"),
            remaining: 2,
        });
        assert!(knobs.check("a.S/Other").is_ok());
        assert!(knobs.check("a.S/M").is_err());
        assert!(knobs.check("a.S/M").is_err());
        assert!(knobs.check("a.S/M").is_ok());
    }

    #[test]
    fn deny_all_fails_everything() {
        let mut knobs = Knobs {
            deny_all: true,
            ..Default::default()
        };
        assert_eq!(
            knobs.check("x.S/M").map_err(|e| e.code),
            Err(Code::Unavailable)
        );
    }
}
