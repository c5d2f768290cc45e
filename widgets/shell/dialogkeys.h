#pragma once

class QDialogButtonBox;

namespace shiftscope {

//! Makes a dialog work from the keyboard alone: Tab leaves its multi-line text fields (instead of typing a tab)
//! and Ctrl+Enter presses its OK button from anywhere in it, so a note can still take Enter as a new line.
void makeKeyboardDriven(QDialogButtonBox *buttons);

} // namespace shiftscope
