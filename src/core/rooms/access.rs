//! The caller's standing in a room, and the permission rules of `API.md` §5 that
//! every command states next to itself with one of these checks.

use crate::{
    core::{auth::Caller, ApiError, ErrorCode},
    domain::{
        ids::UserId,
        room::{Member, Role},
    },
};

pub struct Access<'a> {
    pub caller: &'a Caller,
    /// The calling user's membership; `None` for the master key or an outsider.
    pub member: Option<Member>,
}

impl<'a> Access<'a> {
    pub fn new(caller: &'a Caller, member: Option<Member>) -> Self {
        Self { caller, member }
    }

    pub fn is_master(&self) -> bool {
        matches!(self.caller, Caller::Master(_))
    }

    pub fn role(&self) -> Option<Role> {
        self.member.as_ref().map(|m| m.membership.role)
    }

    /// The calling user, for requests only a user may make.
    pub fn user(&self) -> Result<UserId, ApiError> {
        self.caller
            .user()
            .map(|u| u.id)
            .ok_or_else(|| ErrorCode::InsufficientPermissions.into())
    }

    /// The calling member, for requests only a member may make.
    pub fn member(&self) -> Result<&Member, ApiError> {
        if self.is_master() {
            return Err(ErrorCode::InsufficientPermissions.into());
        }
        self.member
            .as_ref()
            .ok_or_else(|| ErrorCode::NotAMember.into())
    }

    /// The calling member's user id.
    pub fn member_id(&self) -> Result<UserId, ApiError> {
        self.member().map(|m| m.membership.user_id)
    }

    /// The master key or a member.
    pub fn require_insider(&self) -> Result<(), ApiError> {
        if self.is_master() || self.member.is_some() {
            Ok(())
        } else {
            Err(ErrorCode::NotAMember.into())
        }
    }

    /// The master key, the owner or an admin.
    pub fn require_manager(&self) -> Result<(), ApiError> {
        match (self.is_master(), self.role()) {
            (true, _) => Ok(()),
            (false, Some(role)) if role.manages() => Ok(()),
            (false, Some(_)) => Err(ErrorCode::InsufficientPermissions.into()),
            (false, None) => Err(ErrorCode::NotAMember.into()),
        }
    }

    /// The master key or the owner.
    pub fn require_owner(&self) -> Result<(), ApiError> {
        match (self.is_master(), self.role()) {
            (true, _) | (false, Some(Role::Owner)) => Ok(()),
            (false, Some(_)) => Err(ErrorCode::InsufficientPermissions.into()),
            (false, None) => Err(ErrorCode::NotAMember.into()),
        }
    }

    /// Whether the caller manages the room (the master key, the owner, an admin).
    pub fn manages(&self) -> bool {
        self.is_master() || self.role().is_some_and(Role::manages)
    }
}
