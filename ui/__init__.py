"""The Qt layer. Qt enters the project only through ui.qt; widgets call lcc_apr, never the reverse."""
