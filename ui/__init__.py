"""The Qt layer: widgets call lcc_apr, never the reverse. Qt enters only through ui.qt."""
