//! The pure functions every request or delivery runs, timed alone: a room event
//! encoded once per fan-out, a key digested once per authentication (on a cache
//! miss), and the memory engine's append, the embedded node's whole send.
//!
//! ```text
//! cargo bench --bench hot_paths
//! ```

// A bench that cannot set up has nothing to measure: it stops at once.
#![allow(clippy::expect_used)]

use chatapi::{
    core::{events::Event, views::MessageBody},
    domain::{
        ids::{ClientId, MessageId, RoomId},
        keys::KeyDigest,
        message::{Appended, Message},
        room::{Room, RoomType},
    },
    engine::{memory::MemoryEngine, Store},
};
use chrono::Utc;
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

/// A 64-byte message, as the load scenarios send.
fn message(room: RoomId) -> Message {
    Message {
        id: MessageId::random(),
        room_id: room,
        seq: 0,
        sender_id: None,
        content: "x".repeat(64),
        message_type: Default::default(),
        metadata: Default::default(),
        reply_to: None,
        reactions: Default::default(),
        client_msg_id: None,
        created_at: Utc::now(),
        edited_at: None,
        deleted_at: None,
    }
}

fn room() -> Room {
    let now = Utc::now();
    Room {
        id: RoomId::random(),
        client_id: ClientId::random(),
        name: "Bench".into(),
        description: None,
        room_type: RoomType::Group,
        is_private: false,
        max_members: 100,
        created_by: None,
        metadata: Default::default(),
        created_at: now,
        updated_at: now,
    }
}

fn frame_encoding(c: &mut Criterion) {
    let stored = Message {
        seq: 42,
        ..message(RoomId::random())
    };
    let event = Event::MessageNew(MessageBody::from(&stored));
    c.bench_function("encode message.new frame (64-byte content)", |b| {
        b.iter(|| black_box(&event).encode())
    });
}

fn key_digest(c: &mut Criterion) {
    let key = format!("sk_user_{}", "a".repeat(40));
    c.bench_function("digest a scoped key (SHA-256)", |b| {
        b.iter(|| KeyDigest::of(black_box(&key)))
    });
}

fn memory_append(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let engine = MemoryEngine::new();
    let room = room();
    runtime
        .block_on(engine.create_room(&room, &[]))
        .expect("the room");
    let message = message(room.id);
    c.bench_function("memory engine append_message", |b| {
        b.iter(|| {
            let appended = runtime.block_on(engine.append_message(black_box(&message), None));
            assert!(matches!(appended, Ok((Appended::New(_), None))));
        })
    });
}

criterion_group!(hot_paths, frame_encoding, key_digest, memory_append);
criterion_main!(hot_paths);
