//! The Lua scripts, loaded once per node. Each multi-key write that needs a condition
//! is one script, so it is atomic however many nodes write at once. Scripts that
//! revoke share the `revoke.lua` prelude.

use redis::Script;

const REVOKE_PRELUDE: &str = include_str!("scripts/revoke.lua");

pub struct Scripts {
    pub rotate_key: Script,
    pub create_user: Script,
    pub update_user: Script,
    pub delete_user: Script,
    pub revoke_user_key: Script,
}

impl Scripts {
    pub fn load() -> Self {
        let revoking = |body: &str| Script::new(&format!("{REVOKE_PRELUDE}\n{body}"));
        Self {
            rotate_key: revoking(include_str!("scripts/rotate_key.lua")),
            create_user: Script::new(include_str!("scripts/create_user.lua")),
            update_user: revoking(include_str!("scripts/update_user.lua")),
            delete_user: revoking(include_str!("scripts/delete_user.lua")),
            revoke_user_key: revoking(include_str!("scripts/revoke_user_key.lua")),
        }
    }
}
