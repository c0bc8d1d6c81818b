/* nerr.c - descriptions of the library's error codes. */
#include "nerr.h"

const char *
nerr_str(int code)
{
	switch (code) {
	case NERR_OK:
		return "success";
	case NERR_PARSE:
		return "cannot parse";
	case NERR_RANGE:
		return "out of range";
	case NERR_TOOLONG:
		return "too long";
	case NERR_SYSTEM:
		return "system error";
	case NERR_TOOBIG:
		return "too large";
	case NERR_EMPTY:
		return "empty";
	case NERR_PROTO:
		return "protocol error";
	}
	return "unknown error";
}
