#pragma once

namespace shiftscope {

//! Adds `export-figure` to the command line: the results views rendered headless (an off-screen QApplication is
//! created when none exists) to SVG or PNG, exactly as the GUI exports them.
void registerFigureCommands();

} // namespace shiftscope
