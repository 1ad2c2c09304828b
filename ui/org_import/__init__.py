"""HR's organisation import wizard (File > Import organisation…, HR only): choose the HR
system's file, see the server's dry run, apply it, see what was done. The import is the
server's and the core's (lcc_apr.ops.org_import); these widgets only ask and show."""

from .wizard import OrgImportWizard

__all__ = ["OrgImportWizard"]
