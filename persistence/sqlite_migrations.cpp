// The schema of the SQLite backend: the SQL of every migration step
// (README.md, "Migrations"). sqlite_schema.cpp runs them.

#include "persistence/sqlite_detail.hpp"

#include <iterator>
#include <string>

namespace proctord::persistence::sqlite_detail {
namespace {

// migrations[i] takes the database from user_version i to i + 1. A released
// step is never edited; a schema change appends a step. All pending steps and
// the new user_version are committed in one transaction.
//
// Times are INTEGER milliseconds since the epoch, NULL when unset (0 in a
// record). join_attempts.requestedAt is part of the row's key and is stored
// as given, never NULL. Foreign keys are immediate (not deferred), so a bad
// row fails its own write set, not the commit of the whole batch.
constexpr const char* migrations[] = {
  // 1: the initial schema.
  R"sql(
CREATE TABLE rooms (
  roomId    TEXT PRIMARY KEY NOT NULL,
  hostId    TEXT NOT NULL,
  hostName  TEXT NOT NULL,
  roomname  TEXT NOT NULL,
  maxGuests INTEGER NOT NULL,
  question  TEXT NOT NULL,
  duration  INTEGER NOT NULL,
  isPublic  INTEGER NOT NULL DEFAULT 0 CHECK (isPublic IN (0, 1)),
  status    TEXT NOT NULL DEFAULT 'WAITING'
            CHECK (status IN ('WAITING', 'LIVE', 'ENDED')),
  createdAt INTEGER,
  startedAt INTEGER,
  endsAt    INTEGER,
  endedAt   INTEGER
);
CREATE TABLE room_users (
  id             INTEGER PRIMARY KEY,
  roomId         TEXT NOT NULL REFERENCES rooms (roomId),
  userId         TEXT NOT NULL,
  username       TEXT NOT NULL,
  status         TEXT NOT NULL DEFAULT 'PENDING'
                 CHECK (status IN ('PENDING', 'APPROVED', 'REJECTED',
                                   'KICKED', 'LEFT')),
  violationCount INTEGER NOT NULL DEFAULT 0,
  hasSubmitted   INTEGER NOT NULL DEFAULT 0 CHECK (hasSubmitted IN (0, 1)),
  joinedAt       INTEGER,
  leftAt         INTEGER,
  UNIQUE (roomId, userId)
);
CREATE TABLE violations (
  id             INTEGER PRIMARY KEY,
  roomId         TEXT NOT NULL REFERENCES rooms (roomId),
  userId         TEXT NOT NULL,
  type           TEXT NOT NULL
                 CHECK (type IN ('FULLSCREEN_EXIT', 'TAB_SWITCH', 'DISCONNECT')),
  timestamp      INTEGER,
  violationCount INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX violations_room_user ON violations (roomId, userId);
CREATE TABLE submissions (
  id          INTEGER PRIMARY KEY,
  roomId      TEXT NOT NULL REFERENCES rooms (roomId),
  userId      TEXT NOT NULL,
  code        TEXT NOT NULL,
  language    TEXT NOT NULL,
  submittedAt INTEGER
);
CREATE INDEX submissions_room_user ON submissions (roomId, userId);
CREATE TABLE join_attempts (
  id          INTEGER PRIMARY KEY,
  roomId      TEXT NOT NULL REFERENCES rooms (roomId),
  userId      TEXT NOT NULL,
  username    TEXT NOT NULL,
  status      TEXT NOT NULL DEFAULT 'PENDING'
              CHECK (status IN ('PENDING', 'APPROVED', 'REJECTED')),
  requestedAt INTEGER NOT NULL,
  decidedAt   INTEGER,
  UNIQUE (roomId, userId, requestedAt)
);
CREATE INDEX join_attempts_pending ON join_attempts (roomId, requestedAt)
  WHERE status = 'PENDING';
CREATE TABLE kick_events (
  id       INTEGER PRIMARY KEY,
  roomId   TEXT NOT NULL REFERENCES rooms (roomId),
  userId   TEXT NOT NULL,
  reason   TEXT NOT NULL,
  kickedAt INTEGER
);
CREATE INDEX kick_events_room ON kick_events (roomId);
)sql",

  // 2: idempotency keys and the room event log.
  //
  // idempotencyKey is NULL when the client sent none, so keyless rows never
  // collide; a second row with the same (roomId, userId, key) in the same
  // table violates the partial UNIQUE index and fails its write set. The key
  // spaces of submissions and violations are separate. Rows of version 1
  // get NULL.
  //
  // events is WITHOUT ROWID (until version 8): its only key and its only
  // access path is (roomId, seq), so the rows live in the primary-key
  // b-tree itself. A duplicate seq in a room fails its write set. userId is
  // set exactly when audience is USER.
  R"sql(
ALTER TABLE violations ADD COLUMN idempotencyKey TEXT;
CREATE UNIQUE INDEX violations_idempotency
  ON violations (roomId, userId, idempotencyKey)
  WHERE idempotencyKey IS NOT NULL;
ALTER TABLE submissions ADD COLUMN idempotencyKey TEXT;
CREATE UNIQUE INDEX submissions_idempotency
  ON submissions (roomId, userId, idempotencyKey)
  WHERE idempotencyKey IS NOT NULL;
CREATE TABLE events (
  roomId    TEXT NOT NULL REFERENCES rooms (roomId),
  seq       INTEGER NOT NULL CHECK (seq > 0),
  audience  TEXT NOT NULL
            CHECK (audience IN ('MEMBERS', 'HOST', 'USER', 'EVERYONE')),
  userId    TEXT CHECK ((userId IS NOT NULL) = (audience = 'USER')),
  payload   TEXT NOT NULL,
  createdAt INTEGER,
  PRIMARY KEY (roomId, seq)
) WITHOUT ROWID;
)sql",

  // 3: the event log in protocol/event_log's encoding instead of native
  // frames, and a submission's code stored once.
  //
  // submissionId names the submissions row whose code and language a
  // user_submitted event leaves out; replays put them back (json_set). The
  // payloads themselves are converted by convert_event_payloads() below,
  // in the same transaction.
  R"sql(
ALTER TABLE events ADD COLUMN submissionId INTEGER REFERENCES submissions (id);
)sql",

  // 4: contests (seed 001). Nothing of versions 1-3 changes.
  //
  // contests is upserted at every lifecycle change. pausedTotalMs, like
  // elapsedMs and timeMs below, is a duration, not a time: 0 is stored as 0.
  // A question's options are rows of contest_question_options (position
  // from 0); hasOptions tells a question without options (0) from one with
  // an empty list (1, no rows). Questions and answers are inserts: a second
  // answer for the same (contest, user, question) violates the UNIQUE
  // constraint and fails its write set, the last defence against a double
  // answer. A participant written again keeps its first joinedAt; standings
  // are replaced. An answer's userId is no foreign key to
  // contest_participants (as violations.userId is none to room_users): the
  // contest actor decides who has joined. Every table's key leads with
  // contestId, so each per-contest load reads one key range.
  R"sql(
CREATE TABLE contests (
  contestId       TEXT PRIMARY KEY NOT NULL,
  title           TEXT NOT NULL,
  scoring         TEXT NOT NULL CHECK (scoring IN ('speed', 'fixed')),
  freezeBeforeEnd INTEGER NOT NULL DEFAULT 0,
  status          TEXT NOT NULL DEFAULT 'UPCOMING'
                  CHECK (status IN ('UPCOMING', 'ACTIVE', 'PAUSED',
                                    'COMPLETED')),
  createdBy       TEXT NOT NULL,
  createdAt       INTEGER,
  startAt         INTEGER,
  startedAt       INTEGER,
  pausedAt        INTEGER,
  pausedTotalMs   INTEGER NOT NULL DEFAULT 0,
  endedAt         INTEGER
);
CREATE TABLE contest_questions (
  contestId  TEXT NOT NULL REFERENCES contests (contestId),
  questionId TEXT NOT NULL,
  position   INTEGER NOT NULL CHECK (position >= 0),
  text       TEXT NOT NULL,
  hasOptions INTEGER NOT NULL CHECK (hasOptions IN (0, 1)),
  answer     TEXT NOT NULL,
  points     INTEGER NOT NULL,
  timeLimit  INTEGER NOT NULL,
  PRIMARY KEY (contestId, questionId),
  UNIQUE (contestId, position)
);
CREATE TABLE contest_question_options (
  contestId  TEXT NOT NULL,
  questionId TEXT NOT NULL,
  position   INTEGER NOT NULL CHECK (position >= 0),
  text       TEXT NOT NULL,
  PRIMARY KEY (contestId, questionId, position),
  FOREIGN KEY (contestId, questionId)
    REFERENCES contest_questions (contestId, questionId)
) WITHOUT ROWID;
CREATE TABLE contest_participants (
  contestId TEXT NOT NULL REFERENCES contests (contestId),
  userId    TEXT NOT NULL,
  username  TEXT NOT NULL,
  joinedAt  INTEGER,
  PRIMARY KEY (contestId, userId)
);
CREATE TABLE contest_answers (
  id             INTEGER PRIMARY KEY,
  contestId      TEXT NOT NULL REFERENCES contests (contestId),
  userId         TEXT NOT NULL,
  questionId     TEXT NOT NULL,
  answer         TEXT NOT NULL,
  correct        INTEGER NOT NULL CHECK (correct IN (0, 1)),
  points         INTEGER NOT NULL,
  elapsedMs      INTEGER NOT NULL,
  totalScore     INTEGER NOT NULL,
  idempotencyKey TEXT,
  submittedAt    INTEGER,
  UNIQUE (contestId, userId, questionId),
  FOREIGN KEY (contestId, questionId)
    REFERENCES contest_questions (contestId, questionId)
);
CREATE TABLE contest_standings (
  contestId TEXT NOT NULL REFERENCES contests (contestId),
  userId    TEXT NOT NULL,
  username  TEXT NOT NULL,
  rank      INTEGER NOT NULL,
  score     INTEGER NOT NULL,
  timeMs    INTEGER NOT NULL,
  PRIMARY KEY (contestId, userId)
);
)sql",

  // 5: public study rooms (seed 002). Nothing of versions 1-4 changes.
  //
  // Every time here is part of the row, not optional: stored as given and
  // NOT NULL (as join_attempts.requestedAt). public_users is written once
  // (an insert: a second row with the same userId fails its write set);
  // public_rooms is upserted; a membership row is upserted on a join and
  // deleted on a leave or a disconnect. addressHash is a keyed hash of the
  // address that created the user, never the address; its index serves
  // looking up the users one address created, in time order.
  R"sql(
CREATE TABLE public_users (
  userId      TEXT PRIMARY KEY NOT NULL,
  userName    TEXT NOT NULL,
  addressHash TEXT NOT NULL,
  createdAt   INTEGER NOT NULL
);
CREATE INDEX public_users_address ON public_users (addressHash, createdAt);
CREATE TABLE public_rooms (
  roomId    TEXT PRIMARY KEY NOT NULL,
  name      TEXT NOT NULL,
  capacity  INTEGER NOT NULL CHECK (capacity > 0),
  createdAt INTEGER NOT NULL
);
CREATE TABLE public_room_members (
  roomId   TEXT NOT NULL REFERENCES public_rooms (roomId),
  userId   TEXT NOT NULL REFERENCES public_users (userId),
  joinedAt INTEGER NOT NULL,
  PRIMARY KEY (roomId, userId)
);
)sql",
  // 6: collaborative sessions (seed 003), exams (seed 004) and the
  // Socket.IO connection state recovery both share. Nothing of versions 1-5
  // changes.
  //
  // collab_sessions is upserted (opened, then closed: closedAt and
  // closeReason set); the partial index holds the open ones only, in load
  // order. A participant row is upserted on a join and deleted on a leave
  // or a disconnect; it must name a session. exams is written once (an
  // insert: a second exam with the same examId fails its write set).
  // exam_students is upserted at every change of a student's state;
  // submissionType is set exactly when status is 'ended'. An answer is
  // upserted by (exam, student, question), so a resubmission replaces it,
  // and must name a student's sitting (which names its exam). deviceInfo,
  // networkInfo, answer and finalScore are raw JSON as the client sent it.
  // durationS and timeSpent are durations (seconds): 0 is 0.
  //
  // live_events is each room's log (domain 'session' or 'exam'), WITHOUT
  // ROWID for the reasons of events: its key (domain, roomId, seq) is its
  // only access path, for a replay's range, a room's last seq and a drop.
  // A seq the room already used fails its write set. audience is
  // persistence::live_audience (0 all, 1 all_but, 2 only, 3 monitors);
  // all_but and only need their userId. live_pids holds each socket's
  // private session id, disconnectedAt NULL while connected. Neither names
  // its room by a foreign key: a room is a session or an exam.
  R"sql(
CREATE TABLE collab_sessions (
  sessionId   TEXT PRIMARY KEY NOT NULL,
  createdBy   TEXT NOT NULL,
  createdAt   INTEGER,
  closedAt    INTEGER,
  closeReason TEXT
);
CREATE INDEX collab_sessions_open ON collab_sessions (createdAt, sessionId)
  WHERE closedAt IS NULL;
CREATE TABLE collab_participants (
  sessionId TEXT NOT NULL REFERENCES collab_sessions (sessionId),
  userId    TEXT NOT NULL,
  name      TEXT NOT NULL,
  role      TEXT NOT NULL CHECK (role IN ('instructor', 'learner')),
  isActive  INTEGER NOT NULL CHECK (isActive IN (0, 1)),
  joinedAt  INTEGER,
  PRIMARY KEY (sessionId, userId)
);
CREATE TABLE exams (
  examId        TEXT PRIMARY KEY NOT NULL,
  title         TEXT NOT NULL,
  durationS     INTEGER NOT NULL CHECK (durationS > 0),
  questionCount INTEGER NOT NULL CHECK (questionCount >= 0),
  createdBy     TEXT NOT NULL,
  createdAt     INTEGER
);
CREATE TABLE exam_students (
  examId         TEXT NOT NULL REFERENCES exams (examId),
  studentId      TEXT NOT NULL,
  name           TEXT NOT NULL,
  sessionId      TEXT NOT NULL,
  status         TEXT NOT NULL
                 CHECK (status IN ('active', 'disconnected', 'ended')),
  answeredCount  INTEGER NOT NULL CHECK (answeredCount >= 0),
  lastQuestionId TEXT,
  timeSpent      REAL NOT NULL,
  startedAt      INTEGER,
  endsAt         INTEGER,
  lastSeenAt     INTEGER,
  endedAt        INTEGER,
  submissionType TEXT
                 CHECK (submissionType IN ('manual', 'timeout', 'forced')),
  finalScore     TEXT,
  deviceInfo     TEXT NOT NULL,
  networkInfo    TEXT NOT NULL,
  PRIMARY KEY (examId, studentId),
  CHECK ((submissionType IS NOT NULL) = (status = 'ended'))
);
CREATE TABLE exam_answers (
  examId     TEXT NOT NULL,
  studentId  TEXT NOT NULL,
  questionId TEXT NOT NULL,
  answer     TEXT NOT NULL,
  timeSpent  REAL NOT NULL,
  savedAt    INTEGER,
  PRIMARY KEY (examId, studentId, questionId),
  FOREIGN KEY (examId, studentId)
    REFERENCES exam_students (examId, studentId)
);
CREATE TABLE live_events (
  domain   TEXT NOT NULL CHECK (domain IN ('session', 'exam')),
  roomId   TEXT NOT NULL,
  seq      INTEGER NOT NULL CHECK (seq > 0),
  audience INTEGER NOT NULL CHECK (audience BETWEEN 0 AND 3),
  userId   TEXT,
  name     TEXT NOT NULL,
  args     TEXT NOT NULL,
  at       INTEGER,
  PRIMARY KEY (domain, roomId, seq),
  CHECK (userId IS NOT NULL OR audience NOT IN (1, 2))
) WITHOUT ROWID;
CREATE TABLE live_pids (
  pid            TEXT PRIMARY KEY NOT NULL,
  domain         TEXT NOT NULL CHECK (domain IN ('session', 'exam')),
  roomId         TEXT NOT NULL,
  userId         TEXT NOT NULL,
  sid            TEXT NOT NULL,
  monitor        INTEGER NOT NULL CHECK (monitor IN (0, 1)),
  disconnectedAt INTEGER
);
)sql",
  // 7: one index per user and key on violations and on submissions,
  // instead of two. UNIQUE (roomId, userId, idempotencyKey) replaces both
  // the plain (roomId, userId) index and the partial UNIQUE index on keyed
  // rows: SQLite's UNIQUE counts NULLs as distinct, so keyless rows still
  // never collide, and the (roomId, userId) prefix still serves a user's
  // rows and load_idempotency_keys. One b-tree fewer to write per violation
  // and per submission: the violations benchmark spent 183 µs of server
  // CPU per violation instead of 192, medians of three
  // (tools/bench/README.md). Rows of earlier versions fit: the partial
  // index kept keyed rows unique.
  R"sql(
DROP INDEX violations_room_user;
DROP INDEX violations_idempotency;
CREATE UNIQUE INDEX violations_user_key
  ON violations (roomId, userId, idempotencyKey);
DROP INDEX submissions_room_user;
DROP INDEX submissions_idempotency;
CREATE UNIQUE INDEX submissions_user_key
  ON submissions (roomId, userId, idempotencyKey);
)sql",
  // 8: the room event log as a rowid table with a UNIQUE (roomId, seq)
  // index, instead of WITHOUT ROWID on that key. Every live room appends at
  // the end of its own range of the key, so a WITHOUT ROWID b-tree, which
  // holds the payloads in its leaves, takes each room's inserts on its own
  // full-size leaf and splits it every dozen events. Here the rows append
  // at the end of one rowid b-tree (one leaf page for a whole batch) and
  // only the small (roomId, seq) entries are spread over the rooms. A
  // violation, which writes one event, cost 47.4 to 55.0 µs in the store
  // instead of 63.3 to 67.2 at 8 write sets a transaction
  // (proctord-store-bench, tools/bench/README.md, "The store alone"). Reads
  // still go through (roomId, seq): a replay or a restore seeks the index,
  // then reads each row by its id. The rows are copied in key order, so
  // ids follow each room's seq; nothing refers to events. The index is
  // built last, over rows already in its order.
  R"sql(
CREATE TABLE events_v8 (
  id           INTEGER PRIMARY KEY,
  roomId       TEXT NOT NULL REFERENCES rooms (roomId),
  seq          INTEGER NOT NULL CHECK (seq > 0),
  audience     TEXT NOT NULL
               CHECK (audience IN ('MEMBERS', 'HOST', 'USER', 'EVERYONE')),
  userId       TEXT CHECK ((userId IS NOT NULL) = (audience = 'USER')),
  payload      TEXT NOT NULL,
  createdAt    INTEGER,
  submissionId INTEGER REFERENCES submissions (id)
);
INSERT INTO events_v8 (roomId, seq, audience, userId, payload, createdAt,
                       submissionId)
  SELECT roomId, seq, audience, userId, payload, createdAt, submissionId
  FROM events ORDER BY roomId, seq;
DROP TABLE events;
ALTER TABLE events_v8 RENAME TO events;
CREATE UNIQUE INDEX events_room_seq ON events (roomId, seq);
)sql",
};

constexpr int schema_version = static_cast<int>(std::size(migrations));

} // namespace

int latest_schema_version() noexcept { return schema_version; }

const char* migration_script(int to_version) {
  if (to_version < 1 || to_version > schema_version)
    throw store_error("sqlite: no schema version "
                      + std::to_string(to_version));
  return migrations[to_version - 1];
}

} // namespace proctord::persistence::sqlite_detail
