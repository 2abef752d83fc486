//! What each room request does: the permission rules of `API.md` §5, the store write,
//! and the events it produces. Runs inside the room actor's atomic section; returns an
//! [`Outcome`] that the actor applies (state, fan-out, subscriptions).

use std::collections::HashSet;

use chrono::Utc;
use serde::Serialize;

use crate::{
    auth::extract::Caller,
    domain::{
        ids::{MessageId, RoomId, UserId},
        message::{
            parse_client_msg_id, parse_content, parse_emoji, Appended, HistoryRange, Message,
            MessageType,
        },
        page::{Page, PageRequest},
        room::{Member, Membership, Role, Room, RoomType},
        user::{parse_metadata, Metadata},
        validation::Validator,
    },
    engine::{AddMember, SharedEngine, Update},
    error::{ApiError, ErrorCode},
    views::{MemberBody, MembershipBody, MessageBody, PresenceBody, ReadBody, RoomBody},
    ws::protocol::Event,
};

/// How often a compare-and-set message update is retried.
const UPDATE_ATTEMPTS: usize = 8;

/// Every request a room handles. `Clone` so the registry can resend one to a fresh
/// actor if the actor it reached was stopping.
#[derive(Debug, Clone)]
pub enum RoomCommand {
    /// Store a new room with its first members.
    Create {
        room: Room,
        members: Vec<Membership>,
    },
    Read,
    Update(RoomChanges),
    Delete,
    Join,
    Leave,
    AddMember {
        user_id: UserId,
        role: Role,
    },
    RemoveMember {
        user_id: UserId,
    },
    Members(PageRequest),
    Presence,
    MarkRead {
        seq: u64,
    },
    Send(NewMessage),
    History {
        range: HistoryRange,
        limit: usize,
    },
    ReadMessage {
        id: MessageId,
    },
    Edit {
        id: MessageId,
        content: String,
    },
    DeleteMessage {
        id: MessageId,
    },
    React {
        id: MessageId,
        emoji: String,
        add: bool,
    },
    Typing {
        is_typing: bool,
    },
}

/// The editable fields of a room; `None` leaves a field as it is.
#[derive(Debug, Default, Clone)]
pub struct RoomChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub is_private: Option<bool>,
    pub max_members: Option<u32>,
    pub metadata: Option<Metadata>,
}

/// A validated message to send.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub content: String,
    pub message_type: MessageType,
    pub metadata: Metadata,
    pub reply_to: Option<MessageId>,
    pub client_msg_id: Option<String>,
}

impl NewMessage {
    /// Validates the fields of `POST /messages` and `message.send` alike.
    pub fn parse(
        content: String,
        message_type: Option<String>,
        metadata: Option<serde_json::Value>,
        reply_to: Option<MessageId>,
        client_msg_id: Option<String>,
    ) -> Result<Self, ApiError> {
        let mut validator = Validator::default();
        let content = validator.check("content", parse_content(content));
        let message_type = validator.check_opt("message_type", message_type, |text| {
            serde_json::from_value(serde_json::Value::String(text))
                .map_err(|_| "must be text, image, file, system or custom".to_owned())
        });
        let metadata = validator.check_opt("metadata", metadata, parse_metadata);
        let client_msg_id =
            validator.check_opt("client_msg_id", client_msg_id, parse_client_msg_id);
        let (Some(content), Some(message_type), Some(metadata), Some(client_msg_id)) =
            (content, message_type, metadata, client_msg_id)
        else {
            return Err(ApiError::validation(validator.into_errors()));
        };
        Ok(Self {
            content,
            message_type: message_type.unwrap_or_default(),
            metadata: metadata.unwrap_or_default(),
            reply_to,
            client_msg_id,
        })
    }
}

/// A room request's answer, as the REST layer serializes it.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Reply {
    Room(RoomBody),
    Membership(MembershipBody),
    Members(Page<MemberBody>),
    Presence(PresenceBody),
    Read(ReadBody),
    /// `created` is false for an idempotent resend (200 rather than 201).
    Message {
        #[serde(flatten)]
        message: MessageBody,
        #[serde(skip)]
        created: bool,
    },
    Messages(Page<MessageBody>),
    /// Nothing to show (204).
    Done,
}

/// What a request needs from the actor. The room itself is read from the store on
/// every request: another node may have changed it a moment ago.
pub struct CommandContext {
    pub engine: SharedEngine,
    pub room_id: RoomId,
}

/// What a request changed, for the actor to apply.
pub struct Outcome {
    pub reply: Reply,
    pub events: Vec<Event>,
    pub room: RoomChange,
    /// Users who joined (`true`) or left: their sessions are (un)subscribed.
    pub memberships: Vec<(UserId, bool)>,
    pub typing: Option<(UserId, bool)>,
}

pub enum RoomChange {
    Unchanged,
    Created,
    Deleted,
}

impl Outcome {
    fn reply(reply: Reply) -> Self {
        Self {
            reply,
            events: Vec::new(),
            room: RoomChange::Unchanged,
            memberships: Vec::new(),
            typing: None,
        }
    }

    fn event(mut self, event: Event) -> Self {
        self.events.push(event);
        self
    }
}

/// The caller's standing in the room.
struct Access<'a> {
    caller: &'a Caller,
    member: Option<Member>,
}

impl Access<'_> {
    fn is_master(&self) -> bool {
        matches!(self.caller, Caller::Master(_))
    }

    fn role(&self) -> Option<Role> {
        self.member.as_ref().map(|m| m.membership.role)
    }

    /// The calling user, for requests only a user may make.
    fn user(&self) -> Result<UserId, ApiError> {
        self.caller
            .user()
            .map(|u| u.id)
            .ok_or_else(|| ErrorCode::InsufficientPermissions.into())
    }

    fn member(&self) -> Result<&Member, ApiError> {
        if self.is_master() {
            return Err(ErrorCode::InsufficientPermissions.into());
        }
        self.member
            .as_ref()
            .ok_or_else(|| ErrorCode::NotAMember.into())
    }

    /// The master key or a member.
    fn require_insider(&self) -> Result<(), ApiError> {
        if self.is_master() || self.member.is_some() {
            Ok(())
        } else {
            Err(ErrorCode::NotAMember.into())
        }
    }

    /// The master key, the owner or an admin.
    fn require_manager(&self) -> Result<(), ApiError> {
        match (self.is_master(), self.role()) {
            (true, _) => Ok(()),
            (false, Some(role)) if role.manages() => Ok(()),
            (false, Some(_)) => Err(ErrorCode::InsufficientPermissions.into()),
            (false, None) => Err(ErrorCode::NotAMember.into()),
        }
    }

    /// The master key or the owner.
    fn require_owner(&self) -> Result<(), ApiError> {
        match (self.is_master(), self.role()) {
            (true, _) | (false, Some(Role::Owner)) => Ok(()),
            (false, Some(_)) => Err(ErrorCode::InsufficientPermissions.into()),
            (false, None) => Err(ErrorCode::NotAMember.into()),
        }
    }
}

pub async fn run(
    ctx: CommandContext,
    caller: Caller,
    command: RoomCommand,
) -> Result<Outcome, ApiError> {
    if let RoomCommand::Create { room, members } = command {
        return create(&ctx, room, members).await;
    }
    let (room, stats) = match ctx.engine.get_room(ctx.room_id).await? {
        Some((room, stats)) if room.client_id == caller.client().id => (room, stats),
        _ => return Err(ErrorCode::RoomNotFound.into()),
    };
    let member = match caller.user() {
        Some(user) => ctx.engine.get_member(room.id, user.id).await?,
        None => None,
    };
    let access = Access {
        caller: &caller,
        member,
    };
    match command {
        RoomCommand::Create { .. } => Err(ErrorCode::InternalError.into()),
        RoomCommand::Read => {
            // Public rooms are readable by any user of the client.
            if room.is_private {
                access.require_insider()?;
            }
            Ok(Outcome::reply(Reply::Room(RoomBody::new(room, stats))))
        }
        RoomCommand::Update(changes) => update(&ctx, &access, room, changes).await,
        RoomCommand::Delete => {
            access.require_owner()?;
            ctx.engine.delete_room(&room).await?;
            let mut outcome =
                Outcome::reply(Reply::Done).event(Event::RoomDeleted { room_id: room.id });
            outcome.room = RoomChange::Deleted;
            Ok(outcome)
        }
        RoomCommand::Join => join(&ctx, &access, &room).await,
        RoomCommand::Leave => {
            let user = access.member()?.membership.user_id;
            ctx.engine.remove_member(room.id, user).await?;
            Ok(left(room.id, user))
        }
        RoomCommand::AddMember { user_id, role } => {
            add_member(&ctx, &access, &room, user_id, role).await
        }
        RoomCommand::RemoveMember { user_id } => {
            access.require_manager()?;
            let target = ctx.engine.get_member(room.id, user_id).await?;
            let target = target
                .ok_or_else(|| ApiError::with_detail(ErrorCode::UserNotFound, "No such member"))?;
            if target.membership.role == Role::Owner && access.require_owner().is_err() {
                return Err(ErrorCode::InsufficientPermissions.into());
            }
            ctx.engine.remove_member(room.id, user_id).await?;
            Ok(left(room.id, user_id))
        }
        RoomCommand::Members(page) => {
            access.require_insider()?;
            let members = ctx.engine.list_members(room.id, &page).await?;
            let online: HashSet<UserId> = ctx
                .engine
                .presence_online(room.id)
                .await?
                .into_iter()
                .collect();
            let mut data = Vec::with_capacity(members.data.len());
            for member in members.data {
                let user = ctx.engine.get_user(member.membership.user_id).await?;
                let online = online.contains(&member.membership.user_id);
                data.push(MemberBody::new(
                    member,
                    user.map(|u| u.username.as_str().to_owned()),
                    online,
                ));
            }
            Ok(Outcome::reply(Reply::Members(Page {
                data,
                next_cursor: members.next_cursor,
            })))
        }
        RoomCommand::Presence => {
            access.require_insider()?;
            let online = ctx.engine.presence_online(room.id).await?;
            let count = online.len();
            Ok(Outcome::reply(Reply::Presence(PresenceBody {
                online,
                count,
            })))
        }
        RoomCommand::MarkRead { seq } => {
            let user = access.member()?.membership.user_id;
            let seq = seq.min(stats.last_seq);
            let position = ctx.engine.mark_read(room.id, user, seq).await?;
            let position = position.ok_or(ErrorCode::NotAMember)?;
            let body = ReadBody {
                room_id: room.id,
                last_read_seq: position,
                unread_count: stats.last_seq.saturating_sub(position),
            };
            let event = Event::Read {
                room_id: room.id,
                user_id: user,
                seq: position,
            };
            Ok(Outcome::reply(Reply::Read(body)).event(event))
        }
        RoomCommand::Send(new) => send(&ctx, &access, &room, new).await,
        RoomCommand::History { range, limit } => {
            access.require_insider()?;
            let messages = ctx.engine.list_messages(room.id, range, limit).await?;
            let next_cursor = (messages.len() == limit)
                .then(|| messages.last().map(|m| m.seq.to_string()))
                .flatten();
            let data = messages.iter().map(MessageBody::from).collect();
            Ok(Outcome::reply(Reply::Messages(Page { data, next_cursor })))
        }
        RoomCommand::ReadMessage { id } => {
            access.require_insider()?;
            let message = message_in_room(&ctx, room.id, id).await?;
            Ok(Outcome::reply(message_reply(&message, false)))
        }
        RoomCommand::Edit { id, content } => {
            let user = access.member()?.membership.user_id;
            let content = parse_content(content).map_err(|m| {
                ApiError::validation(vec![crate::domain::validation::FieldError::new(
                    "content", m,
                )])
            })?;
            let edited = change_message(&ctx, room.id, id, |message| {
                if message.deleted_at.is_some() {
                    return Err(ErrorCode::MessageNotFound.into());
                }
                if message.sender_id != Some(user) {
                    return Err(ApiError::with_detail(
                        ErrorCode::InsufficientPermissions,
                        "Only the sender may edit a message",
                    ));
                }
                message.content = content.clone();
                message.edited_at = Some(Utc::now());
                Ok(true)
            })
            .await?;
            let body = MessageBody::from(&edited);
            Ok(Outcome::reply(message_reply(&edited, false)).event(Event::MessageUpdated(body)))
        }
        RoomCommand::DeleteMessage { id } => {
            let caller_user = access.caller.user().map(|u| u.id);
            let manages = access.is_master() || access.role().is_some_and(Role::manages);
            let mut changed = false;
            let deleted = change_message(&ctx, room.id, id, |message| {
                if !manages && (access.member.is_none() || message.sender_id != caller_user) {
                    return Err(if access.member.is_none() {
                        ErrorCode::NotAMember.into()
                    } else {
                        ErrorCode::InsufficientPermissions.into()
                    });
                }
                changed = message.deleted_at.is_none();
                if changed {
                    message.content.clear();
                    message.reactions.clear();
                    message.deleted_at = Some(Utc::now());
                }
                Ok(changed)
            })
            .await?;
            let mut outcome = Outcome::reply(Reply::Done);
            if changed {
                outcome = outcome.event(Event::MessageDeleted {
                    id: deleted.id,
                    room_id: deleted.room_id,
                    seq: deleted.seq,
                    deleted_at: deleted.deleted_at,
                });
            }
            Ok(outcome)
        }
        RoomCommand::React { id, emoji, add } => {
            let user = access.member()?.membership.user_id;
            let emoji = parse_emoji(emoji).map_err(|m| {
                ApiError::validation(vec![crate::domain::validation::FieldError::new("emoji", m)])
            })?;
            let message = change_message(&ctx, room.id, id, |message| {
                if message.deleted_at.is_some() {
                    return Err(ErrorCode::MessageNotFound.into());
                }
                let users = message.reactions.entry(emoji.clone()).or_default();
                let changed = if add {
                    users.insert(user)
                } else {
                    users.remove(&user)
                };
                message.reactions.retain(|_, users| !users.is_empty());
                Ok(changed)
            })
            .await?;
            let event = Event::ReactionUpdated {
                message_id: message.id,
                room_id: message.room_id,
                reactions: message.reaction_counts(),
            };
            let reply = if add {
                message_reply(&message, false)
            } else {
                Reply::Done
            };
            Ok(Outcome::reply(reply).event(event))
        }
        RoomCommand::Typing { is_typing } => {
            let user = access.member()?.membership.user_id;
            let mut outcome = Outcome::reply(Reply::Done).event(Event::Typing {
                room_id: room.id,
                user_id: user,
                is_typing,
            });
            outcome.typing = Some((user, is_typing));
            Ok(outcome)
        }
    }
}

async fn room_body(ctx: &CommandContext, room: Room) -> Result<RoomBody, ApiError> {
    let stats = ctx
        .engine
        .get_room(room.id)
        .await?
        .map(|(_, stats)| stats)
        .unwrap_or_default();
    Ok(RoomBody::new(room, stats))
}

fn message_reply(message: &Message, created: bool) -> Reply {
    Reply::Message {
        message: MessageBody::from(message),
        created,
    }
}

fn left(room_id: RoomId, user_id: UserId) -> Outcome {
    let mut outcome = Outcome::reply(Reply::Done).event(Event::MemberLeft { room_id, user_id });
    outcome.memberships.push((user_id, false));
    outcome
}

async fn create(
    ctx: &CommandContext,
    room: Room,
    members: Vec<Membership>,
) -> Result<Outcome, ApiError> {
    ctx.engine.create_room(&room, &members).await?;
    let body = room_body(ctx, room).await?;
    let mut outcome = Outcome::reply(Reply::Room(body));
    outcome.memberships = members.iter().map(|m| (m.user_id, true)).collect();
    outcome.room = RoomChange::Created;
    Ok(outcome)
}

async fn update(
    ctx: &CommandContext,
    access: &Access<'_>,
    mut room: Room,
    changes: RoomChanges,
) -> Result<Outcome, ApiError> {
    access.require_manager()?;
    if let Some(name) = changes.name {
        room.name = name;
    }
    if let Some(description) = changes.description {
        room.description = Some(description);
    }
    if let Some(is_private) = changes.is_private {
        room.is_private = is_private;
    }
    if let Some(max_members) = changes.max_members {
        room.max_members = max_members;
    }
    if let Some(metadata) = changes.metadata {
        room.metadata = metadata;
    }
    room.updated_at = Utc::now();
    ctx.engine.update_room(&room).await?;
    let body = room_body(ctx, room).await?;
    Ok(Outcome::reply(Reply::Room(body.clone())).event(Event::RoomUpdated(body)))
}

async fn join(ctx: &CommandContext, access: &Access<'_>, room: &Room) -> Result<Outcome, ApiError> {
    let user = access.user()?;
    if room.is_private || room.room_type == RoomType::Direct {
        return Err(ApiError::with_detail(
            ErrorCode::InsufficientPermissions,
            "This room is joined only by being added",
        ));
    }
    let membership = Membership {
        room_id: room.id,
        user_id: user,
        role: Role::Member,
        joined_at: Utc::now(),
    };
    added(ctx, room, membership).await
}

async fn add_member(
    ctx: &CommandContext,
    access: &Access<'_>,
    room: &Room,
    user_id: UserId,
    role: Role,
) -> Result<Outcome, ApiError> {
    access.require_manager()?;
    if room.room_type == RoomType::Direct {
        return Err(ApiError::with_detail(
            ErrorCode::InsufficientPermissions,
            "A direct room has exactly two members",
        ));
    }
    if role == Role::Owner && access.require_owner().is_err() {
        return Err(ApiError::with_detail(
            ErrorCode::InsufficientPermissions,
            "Only the owner may add an owner",
        ));
    }
    match ctx.engine.get_user(user_id).await? {
        Some(user) if user.client_id == room.client_id && user.is_active => {}
        _ => return Err(ErrorCode::UserNotFound.into()),
    }
    let membership = Membership {
        room_id: room.id,
        user_id,
        role,
        joined_at: Utc::now(),
    };
    added(ctx, room, membership).await
}

async fn added(
    ctx: &CommandContext,
    room: &Room,
    membership: Membership,
) -> Result<Outcome, ApiError> {
    match ctx.engine.add_member(&membership, room.max_members).await? {
        AddMember::Added => {}
        AddMember::AlreadyMember => return Err(ErrorCode::AlreadyMember.into()),
        AddMember::Full => return Err(ErrorCode::RoomFull.into()),
        AddMember::RoomGone => return Err(ErrorCode::RoomNotFound.into()),
        AddMember::UserGone => return Err(ErrorCode::UserNotFound.into()),
    }
    let user_id = membership.user_id;
    let event = Event::MemberJoined {
        room_id: room.id,
        user_id,
    };
    let mut outcome = Outcome::reply(Reply::Membership(membership.into())).event(event);
    outcome.memberships.push((user_id, true));
    Ok(outcome)
}

async fn send(
    ctx: &CommandContext,
    access: &Access<'_>,
    room: &Room,
    new: NewMessage,
) -> Result<Outcome, ApiError> {
    let sender_id = match access.caller {
        Caller::Master(_) if new.message_type == MessageType::System => None,
        Caller::Master(_) => {
            return Err(ApiError::with_detail(
                ErrorCode::InsufficientPermissions,
                "The master key sends only system messages",
            ))
        }
        Caller::User(_) => {
            let member = access.member()?;
            if new.message_type == MessageType::System {
                return Err(ApiError::with_detail(
                    ErrorCode::InsufficientPermissions,
                    "Only the master key sends system messages",
                ));
            }
            if room.room_type == RoomType::Channel && !member.membership.role.manages() {
                return Err(ApiError::with_detail(
                    ErrorCode::InsufficientPermissions,
                    "Only the owner and admins post in a channel",
                ));
            }
            Some(member.membership.user_id)
        }
    };
    if let Some(reply_to) = new.reply_to {
        message_in_room(ctx, room.id, reply_to).await?;
    }
    let message = Message {
        id: MessageId::random(),
        room_id: room.id,
        seq: 0,
        sender_id,
        content: new.content,
        message_type: new.message_type,
        metadata: new.metadata,
        reply_to: new.reply_to,
        reactions: Default::default(),
        client_msg_id: new.client_msg_id,
        created_at: Utc::now(),
        edited_at: None,
        deleted_at: None,
    };
    match ctx.engine.append_message(&message).await? {
        Appended::New(stored) => {
            let event = Event::MessageNew(MessageBody::from(&stored));
            Ok(Outcome::reply(message_reply(&stored, true)).event(event))
        }
        Appended::Duplicate(original) => Ok(Outcome::reply(message_reply(&original, false))),
        Appended::RoomGone => Err(ErrorCode::RoomNotFound.into()),
    }
}

async fn message_in_room(
    ctx: &CommandContext,
    room: RoomId,
    id: MessageId,
) -> Result<Message, ApiError> {
    match ctx.engine.get_message(id).await? {
        Some(message) if message.room_id == room => Ok(message),
        _ => Err(ErrorCode::MessageNotFound.into()),
    }
}

/// Applies `change` to the stored message with compare-and-set, re-reading on a
/// conflict. `change` returns whether it changed anything; if not, nothing is written.
async fn change_message(
    ctx: &CommandContext,
    room: RoomId,
    id: MessageId,
    mut change: impl FnMut(&mut Message) -> Result<bool, ApiError>,
) -> Result<Message, ApiError> {
    for _ in 0..UPDATE_ATTEMPTS {
        let before = message_in_room(ctx, room, id).await?;
        let mut after = before.clone();
        if !change(&mut after)? {
            return Ok(before);
        }
        if ctx.engine.update_message(&before, &after).await? == Update::Applied {
            return Ok(after);
        }
    }
    Err(ApiError::with_detail(
        ErrorCode::ServiceUnavailable,
        "The message is being changed concurrently; retry",
    ))
}
