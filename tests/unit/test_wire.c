/* test_wire.c - the HTTP date a clock-skew correction reads. */
#include "aws/wire.h"
#include "unit.h"

static void
test_dates(void)
{
	CHECK_INT(wire_parse_date("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
	CHECK_INT(wire_parse_date("Thu, 01 Jan 1970 00:00:00 GMT"), 0);
	CHECK_INT(wire_parse_date("Sat, 05 Dec 2026 23:59:59 GMT"), 1796515199);
	/* other forms and damage: no correction rather than a wrong one */
	CHECK_INT(wire_parse_date(NULL), -1);
	CHECK_INT(wire_parse_date(""), -1);
	CHECK_INT(wire_parse_date("Sunday, 06-Nov-94 08:49:37 GMT"), -1);
	CHECK_INT(wire_parse_date("Sun Nov  6 08:49:37 1994"), -1);
	CHECK_INT(wire_parse_date("Sun, 06 Nov 1994 08:49:37 UTC"), -1);
	CHECK_INT(wire_parse_date("Sun, 06 Xyz 1994 08:49:37 GMT"), -1);
	CHECK_INT(wire_parse_date("Sun, 06 ovD 1994 08:49:37 GMT"), -1);
	CHECK_INT(wire_parse_date("Sun, 06 Nov 1994 08:49:37 GMT trailing"), -1);
}

int
main(void)
{
	test_dates();
	return unit_report("test_wire");
}
