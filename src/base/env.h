#ifndef BASE_ENV_H
#define BASE_ENV_H

/*
 * A size in bytes from the environment variable name: its value when it is
 * a decimal number from lo to hi, else dflt (a value out of range or not a
 * number is warned about, naming the variable).
 */
unsigned long long env_bytes(const char *name, unsigned long long dflt,
    unsigned long long lo, unsigned long long hi);

#endif
