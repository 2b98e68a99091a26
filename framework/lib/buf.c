/*
 * buf.c: growable byte buffers with a sticky error, and arenas for
 * strings that live as long as a request or an item.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int
buf_grow(struct rv_buf *b, size_t extra)
{
	size_t	 want, cap;
	char	*p;

	if (b->err != RV_OK)
		return b->err;
	if (b->cap - b->len >= extra)
		return RV_OK;
	if (extra > SIZE_MAX / 2 - b->len)
		return b->err = RV_ETOOBIG;
	want = b->len + extra;
	if (b->max != 0 && want > b->max)
		return b->err = RV_ETOOBIG;
	cap = b->cap < 256 ? 256 : b->cap;
	while (cap < want)
		cap *= 2;
	if (b->max != 0 && cap > b->max)
		cap = b->max;
	if ((p = realloc(b->p, cap)) == NULL)
		return b->err = RV_ENOMEM;
	b->p = p;
	b->cap = cap;
	return RV_OK;
}

int
buf_add(struct rv_buf *b, const void *p, size_t n)
{

	if (n == 0)
		return b->err;
	return buf_addfast(b, p, n);
}

int
buf_puts(struct rv_buf *b, const char *s)
{

	return buf_add(b, s, strlen(s));
}

int
buf_putc(struct rv_buf *b, char c)
{

	return buf_addfast(b, &c, 1);
}

/*
 * Format into what is left of the buffer first; only a string that
 * does not fit costs a second pass.  Near b->max the terminating NUL
 * that vsnprintf needs may not fit although the text does: that case
 * goes through a temporary, so max stays a limit on content only.
 */
int
buf_vprintf(struct rv_buf *b, const char *fmt, va_list ap)
{
	va_list	 ap2;
	size_t	 room;
	char	*tmp;
	int	 n;

	if (b->err != RV_OK)
		return b->err;
	room = b->p != NULL ? b->cap - b->len : 0;
	va_copy(ap2, ap);
	n = vsnprintf(room > 0 ? b->p + b->len : NULL, room, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return b->err = RV_EINVAL;
	if ((size_t)n < room) {
		b->len += (size_t)n;
		return RV_OK;
	}
	if (b->max == 0 || b->len + (size_t)n + 1 <= b->max) {
		if (buf_grow(b, (size_t)n + 1) != RV_OK)
			return b->err;
		vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		b->len += (size_t)n;
		return RV_OK;
	}
	if (b->len + (size_t)n > b->max)
		return b->err = RV_ETOOBIG;
	if ((tmp = malloc((size_t)n + 1)) == NULL)
		return b->err = RV_ENOMEM;
	vsnprintf(tmp, (size_t)n + 1, fmt, ap);
	buf_add(b, tmp, (size_t)n);
	free(tmp);
	return b->err;
}

int
buf_printf(struct rv_buf *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 rc;

	va_start(ap, fmt);
	rc = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

void
buf_free(struct rv_buf *b)
{

	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
	b->err = RV_OK;
}

/* ------------------------------------------------------------------ */

/*
 * Arena: ordinary blocks of ARENA_BLOCK bytes, newest first.  An
 * allocation over ARENA_BIG that does not fit in the newest block gets
 * a block of its own, linked behind it, so that the space left in that
 * one is not lost.  Allocations are aligned for any type, strings
 * (arena_chars) not at all.  arena_reserve sizes the first block to a
 * known need instead (a request's params: a held subscriber keeps it),
 * and a->first, when set, to what a small first allocation needs.
 */
#define ARENA_BLOCK	2048
#define ARENA_BIG	(ARENA_BLOCK / 4)
#define ARENA_ALIGN	(_Alignof(max_align_t))

struct rv_arena_blk {
	struct rv_arena_blk	*next;
	size_t			 used;
	size_t			 size;
	max_align_t		 data[];
};

static struct rv_arena_blk *
arena_block(size_t size)
{
	struct rv_arena_blk	*b;

	if (size > SIZE_MAX - sizeof(*b) ||
	    (b = malloc(sizeof(*b) + size)) == NULL)
		return NULL;
	b->next = NULL;
	b->used = 0;
	b->size = size;
	return b;
}

static void *
arena_get(struct rv_arena *a, size_t n, size_t align)
{
	struct rv_arena_blk	*b = a->head;
	size_t			 off;

	if (n > SIZE_MAX / 2)
		return NULL;
	if (n == 0)
		n = 1;		/* still a pointer of its own */
	if (b != NULL) {
		off = (b->used + align - 1) & ~(align - 1);
		if (off <= b->size && b->size - off >= n) {
			b->used = off + n;
			return (char *)b->data + off;
		}
	}
	if (n > ARENA_BIG) {
		if ((b = arena_block(n)) == NULL)
			return NULL;
		b->used = n;
		if (a->head != NULL) {
			b->next = a->head->next;
			a->head->next = b;
		} else
			a->head = b;
		return b->data;
	}
	if ((b = arena_block(a->head == NULL && a->first >= n ? a->first :
	    ARENA_BLOCK)) == NULL)
		return NULL;
	b->next = a->head;
	a->head = b;
	b->used = n;
	return b->data;
}

void *
arena_alloc(struct rv_arena *a, size_t n)
{

	return arena_get(a, n, ARENA_ALIGN);
}

char *
arena_chars(struct rv_arena *a, size_t n)
{

	return arena_get(a, n, 1);
}

int
arena_reserve(struct rv_arena *a, size_t n)
{
	struct rv_arena_blk	*b;

	if (a->head != NULL)
		return RV_OK;
	if (n > SIZE_MAX - ARENA_ALIGN)
		return RV_ENOMEM;
	n = (n + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
	if ((b = arena_block(n)) == NULL)
		return RV_ENOMEM;
	a->head = b;
	return RV_OK;
}

char *
arena_strndup(struct rv_arena *a, const char *s, size_t n)
{
	char	*p;

	if (n == SIZE_MAX || (p = arena_chars(a, n + 1)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
arena_vprintf(struct rv_arena *a, const char *fmt, va_list ap)
{
	va_list	 ap2;
	char	*p;
	int	 n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0 || (p = arena_chars(a, (size_t)n + 1)) == NULL)
		return NULL;
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

/* Free all but the newest block, unless it is big, and reuse that one. */
void
arena_rewind(struct rv_arena *a)
{
	struct rv_arena_blk	*b = a->head;

	if (b == NULL || b->size > ARENA_BLOCK) {
		arena_reset(a);
		return;
	}
	a->head = b->next;
	arena_reset(a);
	b->next = NULL;
	b->used = 0;
	a->head = b;
}

void
arena_reset(struct rv_arena *a)
{
	struct rv_arena_blk	*b, *next;

	for (b = a->head; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	a->head = NULL;
}
