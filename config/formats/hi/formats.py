# Tierdesk's one date policy for Hindi: day/month/year as Indian offices write it.
DATE_FORMAT = "d/m/Y"  # 02/12/2026
DATETIME_FORMAT = "d/m/Y, H:i"  # 02/12/2026, 14:05
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
MONTH_DAY_FORMAT = "d/m"
YEAR_MONTH_FORMAT = "F Y"
FIRST_DAY_OF_WEEK = 1
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
# Lakh grouping (12,34,567) where a number is grouped.
NUMBER_GROUPING = (3, 2, 0)
