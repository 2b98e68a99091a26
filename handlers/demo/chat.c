/*
 * chat.c: the guides' live chat, through a channel: every client of a
 * room, in any framing, sees every message, and one that reconnects
 * with Last-Event-ID gets the messages it missed.
 *
 *   GET  /chat/events?room=R	join room R ("general"): SSE by default
 *   POST /chat/send		{"room":R,"username":U,"message":M}
 *				(JSON, or the same as query parameters)
 */
#include <sys/random.h>

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "demo.h"

#define CHAT_OFFER	"sse ndjson msgpack array json-seq"

int
demo_chat_events(struct rv_req *rq)
{
	const char		*room = rv_query(rq, "room", "general");
	struct rv_stream	*s = rv_open(rq, CHAT_OFFER);

	if (rv_subscribe(s, "chat", room) != RV_OK)
		return rv_close(s);
	rv_retry(s, 3000);
	rv_eventf(s, "welcome", NULL, "{s:s, s:s, s:I}", "message",
	    "Connected to chat", "room", room, "timestamp",
	    (json_int_t)demo_now_ms());
	/* Returning hands the stream to the server: no thread waits here. */
	return RV_OK;
}

/* A field from the JSON body, or else the query: NULL if neither. */
static const char *
field(struct rv_req *rq, json_t *body, const char *name)
{
	const char	*v = json_string_value(json_object_get(body, name));

	return v != NULL ? v : rv_query(rq, name, NULL);
}

int
demo_chat_send(struct rv_req *rq)
{
	struct rv_stream	*s = rv_open(rq, RV_JSON);
	const char		*room, *user, *msg, *raw;
	unsigned char		 r[16];
	char			 id[37];
	json_t			*body = NULL;
	size_t			 len;
	int			 rc;

	if ((raw = rv_body(rq, &len)) != NULL && len > 0 &&
	    (body = json_loadb(raw, len, JSON_REJECT_DUPLICATES, NULL)) ==
	    NULL)
		return rv_error(s, 400, "Bad Request", "the body is not JSON");
	room = field(rq, body, "room");
	user = field(rq, body, "username");
	msg = field(rq, body, "message");
	if (msg == NULL || *msg == '\0' || user == NULL || *user == '\0') {
		json_decref(body);
		return rv_error(s, 400, "Bad Request",
		    "Message and username required");
	}
	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		memset(r, 0, sizeof(r));
	r[6] = (r[6] & 0x0f) | 0x40;	/* a version 4 UUID */
	r[8] = (r[8] & 0x3f) | 0x80;
	snprintf(id, sizeof(id), "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4], r[5],
	    r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
	rc = rv_publishf(rq, "chat", room != NULL ? room : "general",
	    "message", "{s:s, s:s, s:s, s:I}", "id", id, "username", user,
	    "message", msg, "timestamp", (json_int_t)demo_now_ms());
	json_decref(body);
	if (rc == RV_EINVAL)
		return rv_error(s, 400, "Bad Request", "bad room name or text");
	if (rc != RV_OK)
		return rv_error(s, 503, "Service Unavailable", "%s",
		    rv_strerror(rc));
	rv_packf(s, "{s:b, s:s}", "success", 1, "messageId", id);
	return rv_close(s);
}
