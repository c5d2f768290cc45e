# Rules about where code may do certain things, checked over the source tree (cmake -P, run by CTest):
# - core/ reads files only through util/inputfile.cpp (which refuses the open workspace's own files, pipes and
#   devices), and opens no file with the C library or POSIX calls elsewhere;
# - core/ includes no Qt;
# - the GUI opens no QFileDialog through its static functions, only through widgets/filedialogs.cpp.
cmake_minimum_required(VERSION 3.25)
if(NOT SOURCE_DIR)
  message(FATAL_ERROR "run with -DSOURCE_DIR=<the project's source folder>")
endif()

set(violations "")

function(check_files glob pattern allowed why)
  file(GLOB_RECURSE files RELATIVE "${SOURCE_DIR}" "${SOURCE_DIR}/${glob}")
  foreach(file IN LISTS files)
    if(file IN_LIST allowed)
      continue()
    endif()
    file(STRINGS "${SOURCE_DIR}/${file}" hits REGEX "${pattern}")
    foreach(hit IN LISTS hits)
      string(STRIP "${hit}" hit)
      string(APPEND violations "${file}: ${why}: ${hit}\n")
    endforeach()
  endforeach()
  set(violations "${violations}" PARENT_SCOPE)
endfunction()

# safetensors.cpp maps weight files itself after the same checks; benchmarktree.cpp only writes new files;
# runowner.cpp reads /proc/PID/stat, which has no size until read (so readInputFile sees it empty).
set(readers_allowed core/util/inputfile.cpp core/engine/safetensors.cpp core/demo/benchmarktree.cpp
    core/runs/runowner.cpp)
foreach(ext cpp h)
  check_files("core/*.${ext}" "std::ifstream|std::fopen|[^a-z_]fopen\\(|[ (]::open\\(" "${readers_allowed}"
              "read input files with readInputFile() (util/inputfile.h)")
  check_files("core/*.${ext}" "#include <Q" "" "core/ is plain C++: no Qt")
  check_files("widgets/*.${ext}" "QFileDialog::get" "widgets/filedialogs.cpp" "use FileDialogs (widgets/filedialogs.h)")
  check_files("app/*.${ext}" "QFileDialog::get" "" "use FileDialogs (widgets/filedialogs.h)")
endforeach()

if(violations)
  message(FATAL_ERROR "source rules broken:\n${violations}")
endif()
message(STATUS "source rules hold")
