// How the non-template functions of the core and the adapters are compiled.
//
// Header-only by default: every function is defined in the headers, so a
// user includes them and links nothing. A project that instantiates routers
// in many files can compile those functions once instead: define
// TOR_SEPARATE_COMPILATION in every translation unit (the CMake target
// tor::compiled does this and builds the one that compiles them), or, without
// CMake, compile one file that includes <tor/src.hpp>, and, for each adapter
// used, one that includes its src.hpp (<tor/mysql/src.hpp>,
// <tor/kafka/src.hpp>, <tor/redis/src.hpp>; CMake: tor::mysql_compiled,
// tor::kafka_compiled, tor::redis_compiled). The headers then only declare what their impl/*.ipp
// files define; templates and accessors of a few lines stay in the header in
// both modes. In separate mode the larger per-event functions (the tracker's,
// the outbox mapper's produce, the doubles', the binlog source's next and
// the row decoder's decode_image, the router's periodic save check in
// detail::router_core) are out-of-line calls: header-only, the default,
// inlines them.
#pragma once

#ifdef TOR_SEPARATE_COMPILATION
#define TOR_DECL
#else
/// Marks a function declared in a header and defined in its impl/*.ipp.
#define TOR_DECL inline
#define TOR_HEADER_ONLY 1
#endif
