//! The Lua scripts, loaded once per node. Each multi-key write that needs a condition
//! is one script, so it is atomic however many nodes write at once. Scripts that
//! revoke share the `revoke.lua` prelude; scripts that remove memberships share
//! `membership.lua`; scripts that rate-limit share `gcra.lua`; scripts that fill
//! webhook outboxes share `outbox.lua`. A script's work is bounded: one that would walk
//! a whole room or user (the deletions) does its atomic part alone and leaves the rest
//! to bounded chunks (`purge.rs`).
//!
//! Every script starts with a `#!lua` line. With it, Redis Cluster refuses a script
//! that touches keys of two slots, instead of running it while its keys happen to
//! share a node, so a key name that strays from its tenant's slot (see `keys.rs`)
//! fails at once, in tests too.

use redis::Script;

/// A script, with the `#!lua` line.
fn script(body: &str) -> Script {
    Script::new(&format!("#!lua\n{body}"))
}

const REVOKE_PRELUDE: &str = include_str!("scripts/revoke.lua");
const MEMBERSHIP_PRELUDE: &str = include_str!("scripts/membership.lua");
const GCRA_PRELUDE: &str = include_str!("scripts/gcra.lua");
const OUTBOX_PRELUDE: &str = include_str!("scripts/outbox.lua");

pub struct Scripts {
    pub rotate_key: Script,
    pub create_user: Script,
    pub find_user_by_email: Script,
    pub update_user: Script,
    pub delete_user: Script,
    pub purge_memberships: Script,
    pub revoke_user_key: Script,
    pub create_direct_room: Script,
    pub delete_room: Script,
    pub add_member: Script,
    pub remove_member: Script,
    pub mark_read: Script,
    pub append_message: Script,
    pub update_message: Script,
    pub mark_notification_read: Script,
    pub record_load: Script,
    pub enqueue_event: Script,
    pub claim_outbox: Script,
    pub settle_outbox: Script,
    pub rate_limit: Script,
}

impl Scripts {
    pub fn load() -> Self {
        let revoking = |body: &str| script(&format!("{REVOKE_PRELUDE}\n{body}"));
        let unjoining = |body: &str| script(&format!("{MEMBERSHIP_PRELUDE}\n{body}"));
        let limiting = |body: &str| script(&format!("{GCRA_PRELUDE}\n{body}"));
        Self {
            rotate_key: script(&format!(
                "{REVOKE_PRELUDE}\n{OUTBOX_PRELUDE}\n{}",
                include_str!("scripts/rotate_key.lua")
            )),
            create_user: script(include_str!("scripts/create_user.lua")),
            find_user_by_email: limiting(include_str!("scripts/find_user_by_email.lua")),
            update_user: revoking(include_str!("scripts/update_user.lua")),
            delete_user: revoking(include_str!("scripts/delete_user.lua")),
            purge_memberships: unjoining(include_str!("scripts/purge_memberships.lua")),
            revoke_user_key: revoking(include_str!("scripts/revoke_user_key.lua")),
            create_direct_room: script(include_str!("scripts/create_direct_room.lua")),
            delete_room: script(include_str!("scripts/delete_room.lua")),
            add_member: script(include_str!("scripts/add_member.lua")),
            remove_member: unjoining(include_str!("scripts/remove_member.lua")),
            mark_read: script(include_str!("scripts/mark_read.lua")),
            append_message: script(&format!(
                "{GCRA_PRELUDE}\n{OUTBOX_PRELUDE}\n{}",
                include_str!("scripts/append_message.lua")
            )),
            enqueue_event: script(&format!(
                "{OUTBOX_PRELUDE}\n{}",
                include_str!("scripts/enqueue_event.lua")
            )),
            claim_outbox: script(include_str!("scripts/claim_outbox.lua")),
            settle_outbox: script(include_str!("scripts/settle_outbox.lua")),
            update_message: script(include_str!("scripts/update_message.lua")),
            record_load: script(include_str!("scripts/record_load.lua")),
            mark_notification_read: script(include_str!("scripts/mark_notification_read.lua")),
            rate_limit: limiting(include_str!("scripts/rate_limit.lua")),
        }
    }
}
