// The public study rooms' tables of the SQLite backend (schema version 5;
// README.md, "Public study rooms"): writing a write set's public rows and
// loading them all back at start. Statements are prepared once, as in
// sqlite_backend.cpp, and used on the writer's connection only.

#include "persistence/sqlite_detail.hpp"

#include <sqlite3.h>

#include <string>
#include <utility>
#include <vector>

namespace proctord::persistence::sqlite_detail {
namespace {

// A room written again (a rename, a new capacity) takes every new value. An
// upsert that updates the row in place, like the other tables', rather than
// INSERT OR REPLACE, which deletes the row and inserts a new one.
constexpr const char* upsert_room_sql =
  "INSERT INTO public_rooms (roomId, name, capacity, createdAt)"
  " VALUES (?1, ?2, ?3, ?4)"
  " ON CONFLICT (roomId) DO UPDATE SET name = excluded.name,"
  " capacity = excluded.capacity, createdAt = excluded.createdAt";

// A membership written again (a second join) takes the new joinedAt.
constexpr const char* upsert_member_sql =
  "INSERT INTO public_room_members (roomId, userId, joinedAt)"
  " VALUES (?1, ?2, ?3)"
  " ON CONFLICT (roomId, userId) DO UPDATE SET joinedAt = excluded.joinedAt";

} // namespace

study_statements::study_statements(sqlite3* db)
  : insert_user_(db, "insert public user",
                 "INSERT INTO public_users (userId, userName, addressHash,"
                 " createdAt) VALUES (?1, ?2, ?3, ?4)"),
    upsert_room_(db, "upsert public room", upsert_room_sql),
    upsert_member_(db, "upsert public room member", upsert_member_sql),
    delete_member_(db, "delete public room member",
                   "DELETE FROM public_room_members"
                   " WHERE roomId = ?1 AND userId = ?2"),
    select_users_(db, "load public users",
                  "SELECT userId, userName, addressHash, createdAt"
                  " FROM public_users ORDER BY createdAt, userId"),
    select_rooms_(db, "load public rooms",
                  "SELECT roomId, name, capacity, createdAt"
                  " FROM public_rooms ORDER BY createdAt, roomId"),
    select_members_(db, "load public room members",
                    "SELECT roomId, userId, joinedAt FROM public_room_members"
                    " ORDER BY roomId, joinedAt, userId") {}

// -- writes -------------------------------------------------------------------

void study_statements::write(const write_set& ws) {
  for (const auto& u : ws.public_users) write(u);
  for (const auto& r : ws.public_rooms) write(r);
  for (const auto& m : ws.public_members) write(m);
}

void study_statements::write(const public_user_record& u) {
  stmt_use(insert_user_)
    .text(1, u.user_id)
    .text(2, u.user_name)
    .text(3, u.address_hash)
    .integer(4, u.created_at) // NOT NULL: stored as given
    .run();
}

void study_statements::write(const public_room_record& r) {
  stmt_use(upsert_room_)
    .text(1, r.room_id)
    .text(2, r.name)
    .integer(3, r.capacity) // the CHECK refuses 0 and below
    .integer(4, r.created_at)
    .run();
}

void study_statements::write(const public_member_record& m) {
  if (m.removed) {
    // Removing a membership that is not there (a disconnect after a leave)
    // deletes nothing and is no error.
    stmt_use(delete_member_).text(1, m.room_id).text(2, m.user_id).run();
    return;
  }
  stmt_use(upsert_member_)
    .text(1, m.room_id)
    .text(2, m.user_id)
    .integer(3, m.joined_at)
    .run();
}

// -- reads --------------------------------------------------------------------

study_snapshot study_statements::load() {
  study_snapshot snap;
  {
    stmt_use u(select_users_);
    while (u.step()) {
      public_user_record r;
      r.user_id = u.column_text(0);
      r.user_name = u.column_text(1);
      r.address_hash = u.column_text(2);
      r.created_at = u.column_int(3);
      snap.users.push_back(std::move(r));
    }
  }
  {
    stmt_use u(select_rooms_);
    while (u.step()) {
      public_room_record r;
      r.room_id = u.column_text(0);
      r.name = u.column_text(1);
      r.capacity = u.column_int32(2);
      r.created_at = u.column_int(3);
      snap.rooms.push_back(std::move(r));
    }
  }
  {
    stmt_use u(select_members_);
    while (u.step()) {
      public_member_record m;
      m.room_id = u.column_text(0);
      m.user_id = u.column_text(1);
      m.joined_at = u.column_int(2);
      snap.members.push_back(std::move(m));
    }
  }
  return snap;
}

} // namespace proctord::persistence::sqlite_detail
