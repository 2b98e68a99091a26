/* test_utf8.c: strict UTF-8 validation. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "runner.h"

#define VALID(s)	ck_assert_int_eq(utf8_valid(s, sizeof(s) - 1), 1)
#define INVALID(s)	ck_assert_int_eq(utf8_valid(s, sizeof(s) - 1), 0)

START_TEST(valid)
{
	VALID("");
	VALID("plain ascii, long enough for the 8-byte path");
	VALID("\xc3\xa9t\xc3\xa9");			/* é */
	VALID("\xe2\x82\xac");				/* € */
	VALID("\xf0\x9f\x8c\x8a");			/* 🌊 */
	VALID("\xf4\x8f\xbf\xbf");			/* U+10FFFF */
	VALID("nul\0inside");
	VALID("\xed\x9f\xbf");				/* U+D7FF */
	VALID("\xee\x80\x80");				/* U+E000 */
}
END_TEST

START_TEST(invalid)
{
	INVALID("\x80");				/* lone continuation */
	INVALID("\xc3");				/* truncated */
	INVALID("abcdefgh\xc3");			/* truncated after ASCII run */
	INVALID("\xc0\xaf");				/* overlong / */
	INVALID("\xc1\xbf");
	INVALID("\xe0\x80\xaf");			/* overlong */
	INVALID("\xf0\x80\x80\xaf");			/* overlong */
	INVALID("\xed\xa0\x80");			/* surrogate D800 */
	INVALID("\xed\xbf\xbf");			/* surrogate DFFF */
	INVALID("\xf4\x90\x80\x80");			/* U+110000 */
	INVALID("\xf5\x80\x80\x80");
	INVALID("\xff");
	INVALID("\xe2\x82");				/* truncated € */
	INVALID("\xe2\x28\xa1");			/* bad continuation */
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("utf8");
	TCase	*tc = tcase_create("utf8");

	tcase_add_test(tc, valid);
	tcase_add_test(tc, invalid);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
