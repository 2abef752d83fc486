//! Rooms over REST: every route and refusal of `API.md` §5 (rooms and members).

use serde_json::json;

use crate::helpers::{spawn_app, EngineKind};

every_deployment!(
    a_scoped_creator_owns_the_room_and_lists_it,
    the_master_key_manages_every_room,
    joining_follows_the_rules,
    members_are_listed_added_and_removed_by_managers,
    private_rooms_hide_from_non_members,
    a_direct_room_is_made_once_per_pair,
    updates_and_deletes_need_the_right_role,
    unknown_rooms_are_404,
);

async fn a_scoped_creator_owns_the_room_and_lists_it(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (owner_id, owner, _) = app.new_user().await;
    let reply = app
        .post(
            "/rooms",
            &owner,
            json!({"name": "General", "description": "Everyone", "metadata": {"topic": "x"}}),
        )
        .await;
    assert_eq!(reply.status, 201, "{reply:?}");
    let room = &reply.body;
    for field in [
        "id",
        "name",
        "description",
        "room_type",
        "is_private",
        "max_members",
        "created_by",
        "member_count",
        "last_message_at",
        "last_seq",
        "created_at",
        "metadata",
    ] {
        assert!(room.get(field).is_some(), "missing {field}: {room}");
    }
    assert_eq!(room["room_type"], "group");
    assert_eq!(room["max_members"], 1000);
    assert_eq!(room["created_by"], owner_id.as_str());
    assert_eq!(room["member_count"], 1);
    assert_eq!(room["last_seq"], 0);
    let id = room["id"].as_str().unwrap();

    let mine = app.get("/rooms", &owner).await;
    assert_eq!(mine.status, 200, "{mine:?}");
    let listed = &mine.body["data"][0];
    assert_eq!(listed["id"], id);
    assert_eq!(listed["unread_count"], 0);
    assert_eq!(listed["last_read_seq"], 0);
    assert_eq!(listed["role"], "owner");

    let members = app.get(&format!("/rooms/{id}/members"), &owner).await;
    assert_eq!(members.body["data"][0]["role"], "owner");
    assert_eq!(members.body["data"][0]["user_id"], owner_id.as_str());
    assert!(members.body["data"][0]["username"].is_string());

    let bad = app
        .post(
            "/rooms",
            &owner,
            json!({"name": "", "max_members": 1, "room_type": "weird"}),
        )
        .await;
    bad.assert_error(422, "VALIDATION_ERROR");
}

async fn the_master_key_manages_every_room(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (a_id, _, _) = app.new_user().await;
    let (b_id, b, _) = app.new_user().await;
    let room = app
        .create_room(
            &app.master_key,
            json!({"name": "Support", "room_type": "support", "member_ids": [a_id, b_id]}),
        )
        .await;
    let all = app.get("/rooms/all", &app.master_key).await;
    assert_eq!(all.body["data"].as_array().unwrap().len(), 1);
    assert_eq!(all.body["data"][0]["member_count"], 2);
    app.get("/rooms/all", &b)
        .await
        .assert_error(403, "INSUFFICIENT_PERMISSIONS");
    app.get("/rooms", &app.master_key)
        .await
        .assert_error(403, "INSUFFICIENT_PERMISSIONS");
    let mine = app.get("/rooms", &b).await;
    assert_eq!(mine.body["data"][0]["id"], room.as_str());
    let (_, other_master) = app.register_client("Other").await;
    app.get(&format!("/rooms/{room}"), &other_master)
        .await
        .assert_error(404, "ROOM_NOT_FOUND");
    let unknown_member = app
        .post(
            "/rooms",
            &app.master_key,
            json!({"name": "x", "member_ids": [uuid::Uuid::new_v4()]}),
        )
        .await;
    unknown_member.assert_error(422, "VALIDATION_ERROR");
    assert_eq!(unknown_member.error_fields(), ["member_ids"]);
}

async fn joining_follows_the_rules(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (_, owner, _) = app.new_user().await;
    let (joiner_id, joiner, _) = app.new_user().await;
    let (_, third, _) = app.new_user().await;
    let room = app
        .create_room(&owner, json!({"name": "Small", "max_members": 2}))
        .await;

    let joined = app
        .post("/rooms/join", &joiner, json!({ "room_id": room }))
        .await;
    assert_eq!(joined.status, 200, "{joined:?}");
    assert_eq!(joined.body["room_id"], room.as_str());
    assert_eq!(joined.body["user_id"], joiner_id.as_str());
    assert_eq!(joined.body["role"], "member");
    assert!(joined.body["joined_at"].is_string());
    app.post(&format!("/rooms/{room}/join"), &joiner, json!({}))
        .await
        .assert_error(409, "ALREADY_MEMBER");
    app.post(&format!("/rooms/{room}/join"), &third, json!({}))
        .await
        .assert_error(409, "ROOM_FULL");
    app.post("/rooms/join", &app.master_key, json!({ "room_id": room }))
        .await
        .assert_error(403, "INSUFFICIENT_PERMISSIONS");

    let left = app
        .post("/rooms/leave", &joiner, json!({ "room_id": room }))
        .await;
    assert_eq!(left.status, 204);
    app.post(&format!("/rooms/{room}/leave"), &joiner, json!({}))
        .await
        .assert_error(403, "NOT_A_MEMBER");
    assert_eq!(
        app.post(&format!("/rooms/{room}/join"), &third, json!({}))
            .await
            .status,
        200
    );

    let private = app
        .create_room(&owner, json!({"name": "Secret", "is_private": true}))
        .await;
    app.post("/rooms/join", &joiner, json!({ "room_id": private }))
        .await
        .assert_error(403, "INSUFFICIENT_PERMISSIONS");
}

async fn members_are_listed_added_and_removed_by_managers(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (owner_id, owner, _) = app.new_user().await;
    let (admin_id, admin, _) = app.new_user().await;
    let (member_id, member, _) = app.new_user().await;
    let (outsider_id, outsider, _) = app.new_user().await;
    let room = app
        .create_room(&owner, json!({"name": "Team", "is_private": true}))
        .await;
    let path = format!("/rooms/{room}/members");

    let added = app
        .post(&path, &owner, json!({"user_id": admin_id, "role": "admin"}))
        .await;
    assert_eq!(added.status, 201, "{added:?}");
    assert_eq!(added.body["role"], "admin");
    assert_eq!(
        app.post(&path, &admin, json!({ "user_id": member_id }))
            .await
            .status,
        201
    );
    app.post(&path, &admin, json!({ "user_id": member_id }))
        .await
        .assert_error(409, "ALREADY_MEMBER");
    app.post(&path, &member, json!({ "user_id": outsider_id }))
        .await
        .assert_error(403, "INSUFFICIENT_PERMISSIONS");
    app.post(&path, &outsider, json!({ "user_id": outsider_id }))
        .await
        .assert_error(403, "NOT_A_MEMBER");
    app.post(&path, &admin, json!({"user_id": uuid::Uuid::new_v4()}))
        .await
        .assert_error(404, "USER_NOT_FOUND");
    app.post(
        &path,
        &admin,
        json!({"user_id": outsider_id, "role": "owner"}),
    )
    .await
    .assert_error(403, "INSUFFICIENT_PERMISSIONS");

    let listed = app.get(&path, &member).await;
    let ids: Vec<_> = listed.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["user_id"].clone())
        .collect();
    assert_eq!(ids, [json!(owner_id), json!(admin_id), json!(member_id)]);
    let page = app.get(&format!("{path}?limit=2"), &member).await;
    let cursor = page.body["next_cursor"].as_str().unwrap().to_owned();
    let rest = app
        .get(&format!("{path}?limit=2&cursor={cursor}"), &member)
        .await;
    assert_eq!(rest.body["data"][0]["user_id"], member_id.as_str());
    app.get(&path, &outsider)
        .await
        .assert_error(403, "NOT_A_MEMBER");

    app.delete(&format!("{path}/{owner_id}"), &admin)
        .await
        .assert_error(403, "INSUFFICIENT_PERMISSIONS");
    assert_eq!(
        app.delete(&format!("{path}/{member_id}"), &admin)
            .await
            .status,
        204
    );
    app.delete(&format!("{path}/{member_id}"), &admin)
        .await
        .assert_error(404, "USER_NOT_FOUND");
    assert_eq!(
        app.delete(&format!("{path}/{admin_id}"), &app.master_key)
            .await
            .status,
        204
    );
    assert_eq!(
        app.get(&path, &owner).await.body["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

async fn private_rooms_hide_from_non_members(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (_, owner, _) = app.new_user().await;
    let (_, outsider, _) = app.new_user().await;
    let public = app.create_room(&owner, json!({"name": "Open"})).await;
    let private = app
        .create_room(&owner, json!({"name": "Closed", "is_private": true}))
        .await;
    assert_eq!(
        app.get(&format!("/rooms/{public}"), &outsider).await.status,
        200
    );
    app.get(&format!("/rooms/{private}"), &outsider)
        .await
        .assert_error(403, "NOT_A_MEMBER");
    app.get(&format!("/rooms/{public}/messages"), &outsider)
        .await
        .assert_error(403, "NOT_A_MEMBER");
    app.get(&format!("/rooms/{public}/presence"), &outsider)
        .await
        .assert_error(403, "NOT_A_MEMBER");
    assert_eq!(
        app.get(&format!("/rooms/{private}"), &app.master_key)
            .await
            .status,
        200
    );
}

async fn a_direct_room_is_made_once_per_pair(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (a_id, a, _) = app.new_user().await;
    let (b_id, b, _) = app.new_user().await;
    let (_, c, _) = app.new_user().await;
    let first = app
        .post("/rooms/direct", &a, json!({ "user_id": b_id }))
        .await;
    assert_eq!(first.status, 201, "{first:?}");
    assert_eq!(first.body["room_type"], "direct");
    assert_eq!(first.body["member_count"], 2);
    let again = app
        .post("/rooms/direct", &b, json!({ "user_id": a_id }))
        .await;
    assert_eq!(again.status, 200, "{again:?}");
    assert_eq!(again.body["id"], first.body["id"]);
    let id = first.body["id"].as_str().unwrap();
    app.post("/rooms/join", &c, json!({ "room_id": id }))
        .await
        .assert_error(403, "INSUFFICIENT_PERMISSIONS");
    app.post("/rooms/direct", &a, json!({ "user_id": a_id }))
        .await
        .assert_error(404, "USER_NOT_FOUND");
    app.post("/rooms", &a, json!({"name": "x", "room_type": "direct"}))
        .await
        .assert_error(422, "VALIDATION_ERROR");
}

async fn updates_and_deletes_need_the_right_role(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (_, owner, _) = app.new_user().await;
    let (_, member, _) = app.new_user().await;
    let room = app.create_room(&owner, json!({"name": "Before"})).await;
    app.join(&member, &room).await;
    let path = format!("/rooms/{room}");
    app.patch(&path, &member, json!({"name": "Nope"}))
        .await
        .assert_error(403, "INSUFFICIENT_PERMISSIONS");
    let updated = app
        .patch(&path, &owner, json!({"name": "After", "is_private": true}))
        .await;
    assert_eq!(updated.status, 200, "{updated:?}");
    assert_eq!(updated.body["name"], "After");
    assert_eq!(updated.body["is_private"], true);
    app.patch(&path, &owner, json!({"name": ""}))
        .await
        .assert_error(422, "VALIDATION_ERROR");
    app.delete(&path, &member)
        .await
        .assert_error(403, "INSUFFICIENT_PERMISSIONS");
    assert_eq!(app.delete(&path, &owner).await.status, 204);
    app.get(&path, &owner)
        .await
        .assert_error(404, "ROOM_NOT_FOUND");
    assert_eq!(app.get("/rooms", &member).await.body["data"], json!([]));
}

async fn unknown_rooms_are_404(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (_, key, _) = app.new_user().await;
    let unknown = uuid::Uuid::new_v4();
    app.get(&format!("/rooms/{unknown}"), &key)
        .await
        .assert_error(404, "ROOM_NOT_FOUND");
    app.get("/rooms/not-a-room", &key)
        .await
        .assert_error(404, "ROOM_NOT_FOUND");
    app.post("/rooms/join", &key, json!({ "room_id": unknown }))
        .await
        .assert_error(404, "ROOM_NOT_FOUND");
    app.post(
        "/messages",
        &key,
        json!({"room_id": unknown, "content": "hi"}),
    )
    .await
    .assert_error(404, "ROOM_NOT_FOUND");
}

/// Inactive rooms (`API.md` §7): group rooms here lapse at once (a period of 0 days,
/// which only tests set), channels keep the default 180 days.
#[actix_web::test]
async fn inactive_rooms_are_marked_and_listed_only_when_asked() {
    for engine in [EngineKind::Memory, EngineKind::Redis] {
        let app = crate::helpers::spawn_app_with(engine, |settings| {
            settings.inactivity.group_days = 0;
        })
        .await;
        let (_, owner, _) = app.new_user().await;
        let group = app.create_room(&owner, json!({"name": "Quiet"})).await;
        let channel = app
            .create_room(&owner, json!({"name": "News", "room_type": "channel"}))
            .await;
        let read = app.get(&format!("/rooms/{group}"), &owner).await;
        assert_eq!(read.body["is_active"], false, "{read:?}");
        let read = app.get(&format!("/rooms/{channel}"), &owner).await;
        assert_eq!(read.body["is_active"], true, "{read:?}");

        let ids = |reply: &crate::helpers::Reply| -> Vec<String> {
            reply.body["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_str().unwrap().to_owned())
                .collect()
        };
        let active = app.get("/rooms/all", &app.master_key).await;
        assert_eq!(ids(&active), std::slice::from_ref(&channel));
        let every = app
            .get("/rooms/all?include_inactive=true", &app.master_key)
            .await;
        assert_eq!(ids(&every), [group, channel]);
        app.get("/rooms/all?include_inactive=maybe", &app.master_key)
            .await
            .assert_error(422, "VALIDATION_ERROR");
    }
}
