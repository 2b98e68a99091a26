/*
 * buf.c: growable byte buffers with a sticky error, and arenas for
 * strings that live as long as a request or an item.
 */
#include <stdarg.h>
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

int
buf_vprintf(struct rv_buf *b, const char *fmt, va_list ap)
{
	va_list	 ap2;
	int	 n;

	if (buf_grow(b, 64) != RV_OK)
		return b->err;
	va_copy(ap2, ap);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return b->err = RV_EINVAL;
	if ((size_t)n >= b->cap - b->len) {
		if (buf_grow(b, (size_t)n + 1) != RV_OK)
			return b->err;
		vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	}
	b->len += (size_t)n;
	return RV_OK;
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

#define ARENA_BLOCK	4096

struct rv_arena_blk {
	struct rv_arena_blk	*next;
	size_t			 used;
	size_t			 size;
	max_align_t		 data[];
};

void *
arena_alloc(struct rv_arena *a, size_t n)
{
	struct rv_arena_blk	*b = a->head;
	size_t			 size;
	void			*p;

	n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
	if (n == 0)
		n = sizeof(max_align_t);
	if (b == NULL || b->size - b->used < n) {
		size = n > ARENA_BLOCK / 2 ? n : ARENA_BLOCK;
		if (size > SIZE_MAX - sizeof(*b) ||
		    (b = malloc(sizeof(*b) + size)) == NULL)
			return NULL;
		b->size = size;
		b->used = 0;
		/* A big one-off block goes behind the current one. */
		if (size > ARENA_BLOCK && a->head != NULL) {
			b->next = a->head->next;
			a->head->next = b;
		} else {
			b->next = a->head;
			a->head = b;
		}
	}
	p = (char *)b->data + b->used;
	b->used += n;
	return p;
}

char *
arena_strndup(struct rv_arena *a, const char *s, size_t n)
{
	char	*p;

	if (n == SIZE_MAX || (p = arena_alloc(a, n + 1)) == NULL)
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
	if (n < 0 || (p = arena_alloc(a, (size_t)n + 1)) == NULL)
		return NULL;
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

/* Free all but the newest ordinary block, and reuse that one. */
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
