#include <archive.h>
#include <archive_entry.h>

// The agent does not link libarchive: it loads it when it first writes an archive or a
// compressed copy (LibArchive.swift), so an agent that never does keeps libarchive and
// what it pulls in (libxml2, ICU, lzma, zstd…) out of memory. It calls the functions
// through pointers of these types, taken from libarchive's own declarations.
typedef __typeof__(&archive_write_new) fua_archive_write_new;
typedef __typeof__(&archive_write_free) fua_archive_write_free;
typedef __typeof__(&archive_write_set_format_pax_restricted) fua_archive_write_set_format_pax_restricted;
typedef __typeof__(&archive_write_set_format_zip) fua_archive_write_set_format_zip;
typedef __typeof__(&archive_write_set_format_raw) fua_archive_write_set_format_raw;
typedef __typeof__(&archive_write_add_filter_gzip) fua_archive_write_add_filter_gzip;
typedef __typeof__(&archive_write_set_options) fua_archive_write_set_options;
typedef __typeof__(&archive_write_open_fd) fua_archive_write_open_fd;
typedef __typeof__(&archive_write_header) fua_archive_write_header;
typedef __typeof__(&archive_write_data) fua_archive_write_data;
typedef __typeof__(&archive_write_finish_entry) fua_archive_write_finish_entry;
typedef __typeof__(&archive_write_close) fua_archive_write_close;
typedef __typeof__(&archive_filter_bytes) fua_archive_filter_bytes;
typedef __typeof__(&archive_errno) fua_archive_errno;
typedef __typeof__(&archive_error_string) fua_archive_error_string;
typedef __typeof__(&archive_entry_new) fua_archive_entry_new;
typedef __typeof__(&archive_entry_free) fua_archive_entry_free;
typedef __typeof__(&archive_entry_set_pathname) fua_archive_entry_set_pathname;
typedef __typeof__(&archive_entry_set_size) fua_archive_entry_set_size;
typedef __typeof__(&archive_entry_set_filetype) fua_archive_entry_set_filetype;
typedef __typeof__(&archive_entry_set_perm) fua_archive_entry_set_perm;
typedef __typeof__(&archive_entry_set_mtime) fua_archive_entry_set_mtime;
