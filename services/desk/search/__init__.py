"""Search of every case: filters, Chinese full text, caller phone, pages."""
