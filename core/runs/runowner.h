#pragma once

#include <cstdint>
#include <string>

namespace shiftscope {

//! The process executing a run: its host, its pid and the pid's start time (clock ticks since boot, from
//! /proc/PID/stat), so that a pid reused by another program is not taken for the run's owner.
struct RunOwner {
    std::string host;
    std::int64_t pid = 0;
    std::int64_t startTicks = 0;

    bool empty() const { return pid == 0; }
    //! "pid 1234 on host", for messages.
    std::string describe() const;
};

//! This process.
RunOwner currentRunOwner();

//! What can be known of an owner from this process.
enum class OwnerState {
    Alive,   //!< the process is running on this host
    Gone,    //!< it ran on this host and has ended (or its pid now belongs to another program)
    Unknown, //!< it runs on another host, which this process cannot see
};
OwnerState ownerState(const RunOwner &owner);

} // namespace shiftscope
