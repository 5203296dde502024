package helpline_test

import "github.com/openchs/openchs-ai/server/helpline"

func helplineFilter() helpline.Filter { return helpline.Filter{} }
