/* runner.h: run a Check suite; the exit status says whether it passed. */
#ifndef RV_RUNNER_H
#define RV_RUNNER_H

#include <check.h>
#include <stdlib.h>

static int
run_suite(Suite *s)
{
	SRunner	*sr = srunner_create(s);
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
