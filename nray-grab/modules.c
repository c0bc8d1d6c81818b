/*
 * modules.c - the registry of nray-grab's modules and the well-known
 * ports that choose one by default.
 */
#include <string.h>

#include "grab.h"

extern const struct grab_module mod_tls;
extern const struct grab_module mod_http;
extern const struct grab_module mod_https;
extern const struct grab_module mod_ssh;
extern const struct grab_module mod_ftp;
extern const struct grab_module mod_smtp;
extern const struct grab_module mod_smtps;
extern const struct grab_module mod_imap;
extern const struct grab_module mod_imaps;
extern const struct grab_module mod_pop3;
extern const struct grab_module mod_pop3s;
extern const struct grab_module mod_redis;
extern const struct grab_module mod_mysql;
extern const struct grab_module mod_postgres;
extern const struct grab_module mod_telnet;
extern const struct grab_module mod_banner;

/* See grab.h. */
const struct grab_module *const grab_modules[] = {
    &mod_tls,
    &mod_http,
    &mod_https,
    &mod_ssh,
    &mod_ftp,
    &mod_smtp,
    &mod_smtps,
    &mod_imap,
    &mod_imaps,
    &mod_pop3,
    &mod_pop3s,
    &mod_redis,
    &mod_mysql,
    &mod_postgres,
    &mod_telnet,
    &mod_banner,
    NULL,
};

/* See grab.h. */
const struct grab_module *
grab_module_find(const char *name)
{
	size_t i;

	for (i = 0; grab_modules[i] != NULL; i++)
		if (strcmp(grab_modules[i]->name, name) == 0)
			return grab_modules[i];
	return NULL;
}

static const struct {
	uint16_t port;
	const char *module;
} well_known[] = {
    {21, "ftp"},
    {22, "ssh"},
    {23, "telnet"},
    {25, "smtp"},
    {80, "http"},
    {110, "pop3"},
    {143, "imap"},
    {443, "https"},
    {465, "smtps"},
    {587, "smtp"},
    {993, "imaps"},
    {995, "pop3s"},
    {2525, "smtp"},
    {3306, "mysql"},
    {5432, "postgres"},
    {6379, "redis"},
    {8000, "http"},
    {8008, "http"},
    {8080, "http"},
    {8443, "https"},
    {8888, "http"},
};

/* See grab.h. */
const struct grab_module *
grab_module_for_port(uint16_t port)
{
	size_t i;

	for (i = 0; i < sizeof(well_known) / sizeof(well_known[0]); i++)
		if (well_known[i].port == port)
			return grab_module_find(well_known[i].module);
	return NULL;
}
