// The in-memory policies for users' tests: a scripted binlog and source, a
// recording dispatcher and a recording state store.
#pragma once

#include <tor/testing/memory_dispatcher.hpp>
#include <tor/testing/memory_lease.hpp>
#include <tor/testing/memory_source.hpp>
#include <tor/testing/memory_state_store.hpp>
